// example_thread_subclass: a Thread subclass computing a partial sum; see thread_subclass.hpp.
#include <iostream>

#include "thread_subclass/thread_subclass.hpp"

int main() { examples::thread_subclass::run(std::cout); }
