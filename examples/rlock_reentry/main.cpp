// example_rlock_reentry: RLock re-entry through nested bank methods; see rlock_reentry.hpp.
#include <iostream>

#include "rlock_reentry/rlock_reentry.hpp"

int main() { examples::rlock_reentry::run(std::cout); }
