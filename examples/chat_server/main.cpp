// example_chat_server: a thread-per-client chat server over Queues; see chat_server.hpp.
#include <iostream>

#include "chat_server/chat_server.hpp"

int main() { examples::chat_server::run(std::cout); }
