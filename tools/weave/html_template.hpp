#pragma once
// The page around the timeline (see html.hpp). Placeholders: @TITLE@, @SUMMARY@, @SVG@, @TABLE@.
#include <string_view>

namespace weave::tool {

inline constexpr std::string_view kHtmlTemplate = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>@TITLE@</title>
<style>
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px;
         color: #1d2430; background: #fbfbfd; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  .kind { display: inline-block; padding: 2px 8px; border-radius: 4px; color: #fff;
          background: #c62828; font-weight: 600; margin-right: 8px; }
  .kind.ok { background: #2e7d32; }
  .message { font-size: 15px; margin: 8px 0; }
  pre { background: #f0f2f6; padding: 8px 12px; border-radius: 6px; overflow-x: auto;
        font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
  .legend { margin: 12px 0; font-size: 12px; color: #4a5262; }
  .legend span { margin-right: 16px; white-space: nowrap; }
  .swatch { display: inline-block; width: 11px; height: 11px; border-radius: 50%;
            vertical-align: -1px; margin-right: 4px; }
  .timeline { overflow-x: auto; border: 1px solid #dde1e8; border-radius: 6px; background: #fff; }
  svg text { font: 11px system-ui, sans-serif; fill: #1d2430; }
  svg .lane-name { font-weight: 600; font-size: 12px; }
  svg .op { font-size: 9px; fill: #4a5262; }
  svg .span-label { font-size: 9px; fill: #0d47a1; }
  svg .step-number { font-size: 9px; fill: #8a93a3; }
  svg .mark:hover circle { stroke: #000; stroke-width: 2.5; }
  table { border-collapse: collapse; margin-top: 16px; font-size: 12px; }
  th, td { text-align: left; padding: 2px 10px; border-bottom: 1px solid #e6e9ef; }
  th { background: #f0f2f6; }
  td.num { text-align: right; color: #8a93a3; }
  tr.failing td { background: #ffebee; font-weight: 600; }
</style>
</head>
<body>
@SUMMARY@
<div class="legend">
  <span><i class="swatch" style="background:#1e88e5"></i>lock</span>
  <span><i class="swatch" style="background:#fb8c00"></i>wait / notify</span>
  <span><i class="swatch" style="background:#43a047"></i>thread</span>
  <span><i class="swatch" style="background:#8e24aa"></i>queue, event, barrier, pool</span>
  <span><i class="swatch" style="background:#78909c"></i>memory, other</span>
  <span><i class="swatch" style="background:#fff;border:2px solid #555"></i>blocked</span>
  <span><i class="swatch" style="background:#d32f2f"></i>failing step</span>
  <span>&#9644; lock held &nbsp; &#8594; release&#8594;acquire (blue), notify&#8594;wait (orange),
        other hand-offs (grey); hover a mark for its source line</span>
</div>
<div class="timeline">
@SVG@
</div>
@TABLE@
</body>
</html>
)html";

}  // namespace weave::tool
