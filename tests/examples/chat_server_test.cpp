#include "chat_server/chat_server.hpp"

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/lines.hpp"

namespace {
// The lines `receiver` got from `sender`, in the order delivered.
std::vector<std::string> from(const std::string& text, const std::string& receiver,
                              const std::string& sender) {
  return examples::lines_starting_with(text, receiver + " <- " + sender + ": ");
}
}  // namespace

TEST_CASE("chat_server: every client gets every message, each sender's in order", "[examples]") {
  std::ostringstream out;
  examples::chat_server::run(out);
  const std::string text = out.str();
  const std::vector<std::string> lines = examples::lines_of(text);

  REQUIRE(lines.size() == 3 * 6 + 5);
  for (const std::string receiver : {"alice", "bob", "carol"}) {
    REQUIRE(examples::lines_starting_with(text, receiver + " <- ").size() == 6);
    REQUIRE(from(text, receiver, "alice") ==
            std::vector<std::string>{receiver + " <- alice: hi all",
                                     receiver + " <- alice: lunch at noon?"});
    REQUIRE(from(text, receiver, "bob") ==
            std::vector<std::string>{receiver + " <- bob: hello", receiver + " <- bob: noon works",
                                     receiver + " <- bob: where?"});
    REQUIRE(from(text, receiver, "carol") ==
            std::vector<std::string>{receiver + " <- carol: count me in"});
  }
  // Shutdown comes after every delivery.
  REQUIRE(std::vector<std::string>(lines.end() - 5, lines.end()) ==
          std::vector<std::string>{
              "a message sent after shutdown was refused",
              "alice received 6",
              "bob received 6",
              "carol received 6",
              "server relayed 6 messages to 3 clients and shut down cleanly",
          });
}

TEST_CASE("chat_server: many messages from many clients", "[examples]") {
  std::vector<std::pair<std::string, std::vector<std::string>>> conversation;
  for (int c = 0; c < 5; ++c) {
    std::vector<std::string> script;
    for (int m = 0; m < 20; ++m) script.push_back("message " + std::to_string(m));
    conversation.emplace_back("client" + std::to_string(c), std::move(script));
  }
  std::ostringstream out;
  examples::chat_server::run(out, conversation);
  const std::string text = out.str();
  for (const auto& [receiver, unused] : conversation) {
    for (const auto& [sender, script] : conversation) {
      std::vector<std::string> expected;
      for (const std::string& m : script) expected.push_back(receiver + " <- " + sender + ": " + m);
      REQUIRE(from(text, receiver, sender) == expected);
    }
    REQUIRE(examples::lines_starting_with(text, receiver + " received ") ==
            std::vector<std::string>{receiver + " received 100"});
  }
  REQUIRE(examples::lines_of(text).back() ==
          "server relayed 100 messages to 5 clients and shut down cleanly");
}

TEST_CASE("chat_server: a server with no messages shuts down cleanly", "[examples]") {
  std::ostringstream out;
  examples::chat_server::run(out, {{"solo", {}}});
  REQUIRE(examples::lines_of(out.str()) ==
          std::vector<std::string>{"a message sent after shutdown was refused", "solo received 0",
                                   "server relayed 0 messages to 1 clients and shut down cleanly"});
}
