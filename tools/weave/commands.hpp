#pragma once
// The subcommands of `weave`. Each takes the arguments after its name and returns the exit status
// (kClean, kBugFound); a ToolError means kUsage.
#include <span>
#include <string>

namespace weave::tool {

int run_main(std::span<const std::string> args);
int replay_main(std::span<const std::string> args);
int explain_main(std::span<const std::string> args);
int shrink_main(std::span<const std::string> args);

}  // namespace weave::tool
