// example_queue_pipeline: a Queue producer/consumer pipeline; see queue_pipeline.hpp.
#include <iostream>

#include "queue_pipeline/queue_pipeline.hpp"

int main() { examples::queue_pipeline::run(std::cout); }
