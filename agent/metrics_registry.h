// A registry of labelled gauges and counters, rendered in the Prometheus text exposition
// format 0.0.4 (# HELP / # TYPE lines, label values escaped, families sorted by name).
// Gauges can also hold a point in time and be rendered relative to the injected Clock at
// scrape time ("seconds until the earliest signature expiry", "seconds since the last parent
// observation"), so they move between scrapes without anyone updating them. Thread-safe:
// the daemon updates, the HTTP server renders.
//
//   MetricsRegistry reg(clock);
//   reg.declare("trustsync_keys", MetricType::Gauge, "Keys per zone, role and state.");
//   reg.set("trustsync_keys", {{"zone", "example.test."}, {"state", "active"}}, 2);
//   reg.set_seconds_until("trustsync_signature_expiry_seconds", {{"zone", "z."}}, expiry);
//   std::string text = reg.render();
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"

namespace ts::agent {

enum class MetricType { Gauge, Counter };

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class MetricsRegistry {
 public:
  explicit MetricsRegistry(const Clock& clock) : clock_(clock) {}

  /// Declares a family (idempotent). Names must match [a-zA-Z_:][a-zA-Z0-9_:]*; counters
  /// should end in _total. A bad name is a programming error: std::invalid_argument.
  void declare(const std::string& name, MetricType type, const std::string& help);
  /// Sets a series (gauge; also allowed for counters mirrored from elsewhere).
  void set(const std::string& name, const MetricLabels& labels, double value);
  /// Adds to a series (counter or gauge), starting from 0.
  void add(const std::string& name, const MetricLabels& labels, double delta = 1);
  /// Gauge rendered as (t - now) / (now - t) at scrape time.
  void set_seconds_until(const std::string& name, const MetricLabels& labels, UnixTime t);
  void set_seconds_since(const std::string& name, const MetricLabels& labels, UnixTime t);
  /// Removes one series / every series of a family whose labels include all of `match`.
  void remove(const std::string& name, const MetricLabels& labels);
  void remove_matching(const std::string& name, const MetricLabels& match);
  /// Sets every existing series whose labels include all of `match` to `value`.
  void set_matching(const std::string& name, const MetricLabels& match, double value);
  /// The current value of a series as it would render now; nullopt-like NaN if absent.
  double value(const std::string& name, const MetricLabels& labels) const;

  std::string render() const;

 private:
  enum class Kind { Plain, Until, Since };
  struct Series {
    MetricLabels labels;  // sorted by name
    Kind kind = Kind::Plain;
    double value = 0;
    UnixTime at = 0;
  };
  struct Family {
    MetricType type;
    std::string help;
    std::map<std::string, Series> series;  // by rendered label set
  };
  Series& series(const std::string& name, const MetricLabels& labels);  // mu_ held
  double current(const Series& s, UnixTime now) const;
  static bool matches(const Series& s, const MetricLabels& match);

  const Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

/// Escapes a label value: backslash, double quote and newline.
std::string escape_label_value(const std::string& v);
/// A sample value as Prometheus reads it: integers exactly, NaN, +Inf, -Inf.
std::string format_metric_value(double v);

}  // namespace ts::agent
