// example_daemon_task: a daemon heartbeat the program does not wait for; see daemon_task.hpp.
#include <iostream>

#include "daemon_task/daemon_task.hpp"

int main() { examples::daemon_task::run(std::cout); }
