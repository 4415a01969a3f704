// example_condition_notify_all: notify_all releasing waiting workers; see
// condition_notify_all.hpp.
#include <iostream>

#include "condition_notify_all/condition_notify_all.hpp"

int main() { examples::condition_notify_all::run(std::cout); }
