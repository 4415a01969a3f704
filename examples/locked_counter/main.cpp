// example_locked_counter: a Lock-protected counter shared by N threads; see locked_counter.hpp.
#include <iostream>

#include "locked_counter/locked_counter.hpp"

int main() { examples::locked_counter::run(std::cout); }
