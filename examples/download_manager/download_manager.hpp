#pragma once
// examples/download_manager — simulated downloads on a ThreadPoolExecutor.
//
// Demonstrates: ThreadPoolExecutor::submit() returning Futures, weave::as_completed() handing
// them back in the order they finish (not the order submitted), Future::result() returning the
// value, and a download that throws: its exception is kept in its Future and rethrown by
// result(), where main reports it and carries on. Leaving the executor's scope waits for every
// call (its destructor is shutdown(wait = true)).
#include <chrono>
#include <cstddef>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "weave/executor.hpp"
#include "weave/thread.hpp"

namespace examples::download_manager {

struct Download {
  std::string url;
  std::size_t bytes = 0;
};

// The files to fetch; the one ending in "/missing" fails.
inline std::vector<std::string> default_urls() {
  return {"https://example.com/index.html", "https://example.com/style.css",
          "https://example.com/app.js",     "https://example.com/missing",
          "https://example.com/logo.png",   "https://example.com/data.json"};
}

// Pretends to fetch `url`: waits `latency`, then returns its size or throws for a missing file.
inline Download fetch(const std::string& url, weave::Duration latency) {
  weave::sleep(latency);
  if (url.ends_with("/missing")) throw std::runtime_error("404 Not Found: " + url);
  return Download{url, url.size() * 1000};
}

// Fetches every url on a pool of `workers` threads and reports each as it completes.
inline void run(std::ostream& out, std::vector<std::string> urls = default_urls(),
                std::size_t workers = 3, weave::Duration latency = std::chrono::milliseconds(1)) {
  weave::ThreadPoolExecutor pool(workers, "downloader");
  std::vector<weave::Future<Download>> futures;
  for (std::size_t i = 0; i < urls.size(); ++i) {
    // Different latencies, so the downloads finish out of order.
    futures.push_back(pool.submit(fetch, urls[i], latency * static_cast<int>(urls.size() - i)));
  }
  out << "submitted " << urls.size() << " downloads to " << workers << " workers\n";

  std::size_t succeeded = 0;
  std::size_t failed = 0;
  std::size_t total_bytes = 0;
  for (weave::Future<Download> done : weave::as_completed(futures)) {
    try {
      const Download d = done.result();
      out << "downloaded " << d.url << " (" << d.bytes << " bytes)\n";
      ++succeeded;
      total_bytes += d.bytes;
    } catch (const std::exception& e) {
      out << "failed: " << e.what() << '\n';
      ++failed;
    }
  }
  out << succeeded << " downloaded, " << failed << " failed, " << total_bytes << " bytes in all\n";
}

}  // namespace examples::download_manager
