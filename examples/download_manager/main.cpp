// example_download_manager: downloads on a ThreadPoolExecutor with as_completed; see
// download_manager.hpp.
#include <iostream>

#include "download_manager/download_manager.hpp"

int main() { examples::download_manager::run(std::cout); }
