// example_data_analysis: ThreadPoolExecutor::map over data chunks; see data_analysis.hpp.
#include <iostream>

#include "data_analysis/data_analysis.hpp"

int main() { examples::data_analysis::run(std::cout); }
