// example_bugs: runs weave's checker over the buggy examples and prints what it finds.
//
//   example_bugs                 check every buggy example, print each report
//   example_bugs NAME            check one (bank_transfer, lost_update, ...)
//   example_bugs NAME --fixed    check its fixed version (expect no bug)
//   WEAVE_REPLAY=FILE example_bugs NAME    replay a saved schedule (as each report says)
//
// Exit status: 0 when every buggy example showed its bug (or a fixed one showed none), 1 when
// not, 2 on a bad argument.
#include <cstdio>
#include <cstring>
#include <string>

#include "bugs/bugs.hpp"

int main(int argc, char** argv) {
  using examples::bugs::kExamples;
  const char* only = argc > 1 ? argv[1] : nullptr;
  const bool fixed = argc > 2 && std::strcmp(argv[2], "--fixed") == 0;
  if (argc > 3 || (argc == 3 && !fixed)) {
    std::fprintf(stderr, "usage: %s [NAME [--fixed]]\n", argv[0]);
    return 2;
  }
  int checked = 0, as_expected = 0;
  for (const auto& ex : kExamples) {
    if (only != nullptr && std::strcmp(only, ex.name) != 0) continue;
    ++checked;
    weave::Config config;
    config.seed = 2026;  // fixed, so the output is the same on every run
    config.iterations = 2000;
    config.spurious_wakeups = ex.spurious_wakeups;
    weave::set_test_name(ex.name);
    std::printf("=== %s%s: %s\n", ex.name, fixed ? " (fixed)" : "", ex.what);
    const weave::Result r = weave::check(fixed ? ex.fixed : ex.buggy, config);
    std::fputs(r.report().c_str(), stdout);
    const bool expected = fixed ? r.ok() : (r.bug && r.bug->kind == ex.expected);
    if (expected) ++as_expected;
    std::printf("--- %s: %s after %llu schedules\n\n", ex.name,
                r.ok() ? "no bug" : weave::to_string(r.bug->kind),
                static_cast<unsigned long long>(r.schedules));
  }
  if (checked == 0) {
    std::fprintf(stderr, "example_bugs: no example named '%s'; the examples are:", only);
    for (const auto& ex : kExamples) std::fprintf(stderr, " %s", ex.name);
    std::fprintf(stderr, "\n");
    return 2;
  }
  std::printf("%d of %d examples behaved as expected\n", as_expected, checked);
  return as_expected == checked ? 0 : 1;
}
