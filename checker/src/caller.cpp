#include "caller.hpp"

#include <dlfcn.h>
#include <execinfo.h>
#include <link.h>

#include <cstdio>
#include <map>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

namespace weave::detail {

namespace {

// weave's source tree, from where this file was compiled: frames in it are weave's own.
std::string_view weave_root() {
  constexpr std::string_view self = __FILE__;
  constexpr std::string_view tail = "checker/src/caller.cpp";
  return self.size() >= tail.size() && self.ends_with(tail)
             ? self.substr(0, self.size() - tail.size())
             : std::string_view();
}

bool is_users(std::string_view file) {
  if (file.empty() || file.front() == '?') return false;
  const std::string_view root = weave_root();
  if (!root.empty() && file.starts_with(root)) {
    const std::string_view rest = file.substr(root.size());
    if (rest.starts_with("runtime/") || rest.starts_with("checker/")) return false;
  }
  // An installed weave's headers, the standard library, the compiler's headers.
  return file.find("/include/weave/") == std::string_view::npos &&
         !file.starts_with("/usr/include/") && !file.starts_with("/usr/lib/gcc/");
}

// "file:line (discriminator 2)" -> file, line.
SourceLine parse_location(std::string text) {
  SourceLine out;
  if (const auto space = text.find(" ("); space != std::string::npos) text.resize(space);
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return out;
  unsigned long line = 0;
  for (std::size_t i = colon + 1; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return out;
    line = line * 10 + static_cast<unsigned long>(text[i] - '0');
  }
  if (line == 0) return out;
  out.file = text.substr(0, colon);
  out.line = static_cast<std::uint32_t>(line);
  return out;
}

// One addr2line run over `addresses` of `module`: for each address, its inline chain's locations,
// innermost first.
std::vector<std::vector<SourceLine>> lookup(const std::string& module,
                                            const std::vector<std::uintptr_t>& addresses) {
  std::string command = "addr2line -a -i -e '";
  for (char c : module) {
    if (c == '\'') return {};  // not worth quoting: a module path with a quote is not looked up
    command += c;
  }
  command += "'";
  for (std::uintptr_t a : addresses) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " 0x%lx", static_cast<unsigned long>(a));
    command += buf;
  }
  command += " 2>/dev/null";
  std::FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return {};
  std::vector<std::vector<SourceLine>> out;
  char line[4096];
  while (std::fgets(line, sizeof line, p) != nullptr) {
    std::string text(line);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (text.starts_with("0x")) {
      out.emplace_back();
    } else if (!out.empty()) {
      out.back().push_back(parse_location(std::move(text)));
    }
  }
  ::pclose(p);
  return out;
}

}  // namespace

SourceLine user_caller() {
  void* frames[32];
  const int n = ::backtrace(frames, 32);
  // Each frame (a return address, so minus one: inside the call) as a module and an address in it.
  struct Frame {
    std::string module;
    std::uintptr_t address;
  };
  std::vector<Frame> stack;
  for (int i = 1; i < n; ++i) {
    const auto pc = reinterpret_cast<std::uintptr_t>(frames[i]) - 1;
    Dl_info info{};
    if (::dladdr(reinterpret_cast<void*>(pc), &info) == 0 || info.dli_fname == nullptr) continue;
    // A position-independent module (ET_DYN) is looked up by offset, a fixed one by address.
    const auto* header = static_cast<const ElfW(Ehdr)*>(info.dli_fbase);
    const bool relative = header != nullptr && header->e_type == ET_DYN;
    const auto base = reinterpret_cast<std::uintptr_t>(info.dli_fbase);
    std::string module = info.dli_fname;
    if (module.empty()) module = "/proc/self/exe";
    stack.push_back({std::move(module), relative ? pc - base : pc});
  }
  // What addr2line said of each address, for the process: a failure replayed (to check it, to
  // shrink it) asks about the same stack again, and one run of addr2line costs a good fraction of
  // a second on a large program.
  static std::mutex mutex;
  static auto* known =
      new std::map<std::pair<std::string, std::uintptr_t>, std::vector<SourceLine>>();
  std::lock_guard<std::mutex> lk(mutex);
  std::map<std::string, std::vector<std::uintptr_t>> unknown;  // one addr2line per module
  for (const Frame& f : stack) {
    if (known->count({f.module, f.address}) == 0) unknown[f.module].push_back(f.address);
  }
  for (const auto& [module, addresses] : unknown) {
    const auto chains = lookup(module, addresses);
    for (std::size_t i = 0; i < addresses.size(); ++i) {
      (*known)[{module, addresses[i]}] = i < chains.size() ? chains[i] : std::vector<SourceLine>();
    }
  }
  for (const Frame& f : stack) {
    for (const SourceLine& s : (*known)[{f.module, f.address}]) {
      if (s.line != 0 && is_users(s.file)) return s;
    }
  }
  return {};
}

}  // namespace weave::detail
