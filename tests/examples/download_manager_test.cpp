#include "download_manager/download_manager.hpp"

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/lines.hpp"

TEST_CASE("download_manager: every download is reported once, the failing one as failed",
          "[examples]") {
  std::ostringstream out;
  examples::download_manager::run(out);
  const std::vector<std::string> lines = examples::lines_of(out.str());
  REQUIRE(lines.size() == 8);
  REQUIRE(lines.front() == "submitted 6 downloads to 3 workers");
  REQUIRE(examples::sorted({lines.begin() + 1, lines.end() - 1}) ==
          std::vector<std::string>{
              "downloaded https://example.com/app.js (26000 bytes)",
              "downloaded https://example.com/data.json (29000 bytes)",
              "downloaded https://example.com/index.html (30000 bytes)",
              "downloaded https://example.com/logo.png (28000 bytes)",
              "downloaded https://example.com/style.css (29000 bytes)",
              "failed: 404 Not Found: https://example.com/missing",
          });
  REQUIRE(lines.back() == "5 downloaded, 1 failed, 142000 bytes in all");
}

TEST_CASE("download_manager: all failing, and a single worker", "[examples]") {
  std::ostringstream out;
  examples::download_manager::run(out, {"https://a.example/missing", "https://b.example/missing"},
                                  1);
  REQUIRE(examples::sorted(examples::lines_of(out.str())) ==
          std::vector<std::string>{
              "0 downloaded, 2 failed, 0 bytes in all",
              "failed: 404 Not Found: https://a.example/missing",
              "failed: 404 Not Found: https://b.example/missing",
              "submitted 2 downloads to 1 workers",
          });
}
