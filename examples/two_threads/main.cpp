// example_two_threads: two threads printing numbers; see two_threads.hpp.
#include <iostream>

#include "two_threads/two_threads.hpp"

int main() { examples::two_threads::run(std::cout); }
