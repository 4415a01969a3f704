#pragma once
// examples/chat_server — a thread-per-client chat server over in-process Queues.
//
// Demonstrates: Queues as the only channel between threads, and a clean shutdown with
// Queue::shutdown(). The pieces:
//   client threads     one per client: put() the client's messages on the server's inbox.
//   broadcaster        one thread: get() each message from the inbox and put() it on every
//                      client's outbox (the sender's too, as an echo).
//   session threads    one per client, on the server: get() from that client's outbox and
//                      deliver (print) each line.
// Shutdown runs front to back, so no message is lost: once every client has sent, main shuts the
// inbox down; the broadcaster still drains what is queued, then its get() throws QueueShutDown
// and it exits. Then main shuts every outbox down, and each session drains and exits the same
// way. Nothing needs a sentinel value, and a put() after shutdown throws QueueShutDown.
#include <cstddef>
#include <deque>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "common/printer.hpp"
#include "weave/errors.hpp"
#include "weave/queue.hpp"
#include "weave/thread.hpp"

namespace examples::chat_server {

struct Message {
  std::string from;
  std::string text;
};

// One connected client: what it will say, and the queue of lines the server sends it.
struct Client {
  Client(std::string name_, std::vector<std::string> script_)
      : name(std::move(name_)), script(std::move(script_)), outbox(0, name + "-outbox") {}
  std::string name;
  std::vector<std::string> script;
  weave::Queue<std::string> outbox;
  std::size_t received = 0;  // written by the client's session thread; read after it is joined
};

class ChatServer {
 public:
  explicit ChatServer(Printer& printer) : printer_(printer) {}

  // Adds a client; only before start().
  Client& connect(std::string name, std::vector<std::string> script) {
    return clients_.emplace_back(std::move(name), std::move(script));
  }

  // Starts the broadcaster and one session thread per client.
  void start() {
    broadcaster_.start();
    for (Client& c : clients_) {
      sessions_.emplace_back(weave::ThreadOptions{.name = c.name + "-session"},
                             [this, &c] { deliver(c); });
    }
    for (weave::Thread& s : sessions_) s.start();
  }

  // Where clients send their messages.
  weave::Queue<Message>& inbox() { return inbox_; }

  // Shuts down in order, draining every queue; call once all clients have finished sending.
  void stop() {
    inbox_.shutdown();  // the broadcaster relays what is queued, then exits
    broadcaster_.join();
    for (Client& c : clients_) c.outbox.shutdown();  // each session delivers the rest, then exits
    for (weave::Thread& s : sessions_) s.join();
  }

  // Messages relayed; read after stop().
  std::size_t relayed() const { return relayed_; }
  std::deque<Client>& clients() { return clients_; }

 private:
  void broadcast() {
    for (;;) {
      Message m;
      try {
        m = inbox_.get();
      } catch (const weave::QueueShutDown&) {
        return;  // shut down and drained
      }
      for (Client& c : clients_) c.outbox.put(m.from + ": " + m.text);
      ++relayed_;
    }
  }

  void deliver(Client& c) {
    for (;;) {
      std::string line;
      try {
        line = c.outbox.get();
      } catch (const weave::QueueShutDown&) {
        return;
      }
      printer_.line(c.name, " <- ", line);
      ++c.received;
    }
  }

  Printer& printer_;
  std::deque<Client> clients_;
  weave::Queue<Message> inbox_{0, "inbox"};
  weave::Thread broadcaster_{weave::ThreadOptions{.name = "broadcaster"}, [this] { broadcast(); }};
  std::deque<weave::Thread> sessions_;
  std::size_t relayed_ = 0;  // broadcaster only until it is joined
};

// Who says what in the default conversation.
inline std::vector<std::pair<std::string, std::vector<std::string>>> default_conversation() {
  return {{"alice", {"hi all", "lunch at noon?"}},
          {"bob", {"hello", "noon works", "where?"}},
          {"carol", {"count me in"}}};
}

// Runs the server with one client per entry of `conversation`, then shuts it down cleanly.
inline void run(std::ostream& out,
                std::vector<std::pair<std::string, std::vector<std::string>>> conversation =
                    default_conversation()) {
  Printer printer(out);
  ChatServer server(printer);
  for (auto& [name, script] : conversation) server.connect(name, std::move(script));
  server.start();

  std::deque<weave::Thread> senders;
  for (Client& c : server.clients()) {
    senders.emplace_back(weave::ThreadOptions{.name = c.name}, [&server, &c] {
      for (const std::string& text : c.script) server.inbox().put(Message{c.name, text});
    });
  }
  for (weave::Thread& t : senders) t.start();
  for (weave::Thread& t : senders) t.join();

  server.stop();
  try {
    server.inbox().put(Message{"late", "anyone there?"});
  } catch (const weave::QueueShutDown&) {
    printer.line("a message sent after shutdown was refused");
  }
  for (const Client& c : server.clients()) printer.line(c.name, " received ", c.received);
  printer.line("server relayed ", server.relayed(), " messages to ", server.clients().size(),
               " clients and shut down cleanly");
}

}  // namespace examples::chat_server
