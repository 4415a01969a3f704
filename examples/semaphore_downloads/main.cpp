// example_semaphore_downloads: a Semaphore limiting concurrent downloads; see
// semaphore_downloads.hpp.
#include <iostream>

#include "semaphore_downloads/semaphore_downloads.hpp"

int main() { examples::semaphore_downloads::run(std::cout); }
