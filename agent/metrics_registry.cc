// Metrics registry and its text exposition rendering (see metrics_registry.h).
#include "agent/metrics_registry.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace ts::agent {
namespace {

bool valid_metric_name(const std::string& n) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool valid_label_name(const std::string& n) {
  if (n.empty() || n.starts_with("__")) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string escape_help(const std::string& h) {
  std::string out;
  for (char c : h) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

MetricLabels sorted(MetricLabels labels) {
  std::sort(labels.begin(), labels.end());
  for (const auto& [k, v] : labels)
    if (!valid_label_name(k)) throw std::invalid_argument("bad metric label name '" + k + "'");
  return labels;
}

std::string label_text(const MetricLabels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ',';
    out += labels[i].first + "=\"" + escape_label_value(labels[i].second) + "\"";
  }
  return out + "}";
}

}  // namespace

std::string escape_label_value(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string format_metric_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 9.007199254740992e15)
    return std::to_string(static_cast<int64_t>(v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void MetricsRegistry::declare(const std::string& name, MetricType type, const std::string& help) {
  if (!valid_metric_name(name)) throw std::invalid_argument("bad metric name '" + name + "'");
  std::lock_guard lock(mu_);
  auto [it, inserted] = families_.try_emplace(name, Family{type, help, {}});
  if (!inserted) {
    it->second.type = type;
    it->second.help = help;
  }
}

MetricsRegistry::Series& MetricsRegistry::series(const std::string& name,
                                                 const MetricLabels& labels) {
  auto f = families_.find(name);
  if (f == families_.end()) throw std::invalid_argument("undeclared metric '" + name + "'");
  MetricLabels l = sorted(labels);
  Series& s = f->second.series[label_text(l)];
  s.labels = std::move(l);
  return s;
}

void MetricsRegistry::set(const std::string& name, const MetricLabels& labels, double value) {
  std::lock_guard lock(mu_);
  Series& s = series(name, labels);
  s.kind = Kind::Plain;
  s.value = value;
}

void MetricsRegistry::add(const std::string& name, const MetricLabels& labels, double delta) {
  std::lock_guard lock(mu_);
  Series& s = series(name, labels);
  s.kind = Kind::Plain;
  s.value += delta;
}

void MetricsRegistry::set_seconds_until(const std::string& name, const MetricLabels& labels,
                                        UnixTime t) {
  std::lock_guard lock(mu_);
  Series& s = series(name, labels);
  s.kind = Kind::Until;
  s.at = t;
}

void MetricsRegistry::set_seconds_since(const std::string& name, const MetricLabels& labels,
                                        UnixTime t) {
  std::lock_guard lock(mu_);
  Series& s = series(name, labels);
  s.kind = Kind::Since;
  s.at = t;
}

void MetricsRegistry::remove(const std::string& name, const MetricLabels& labels) {
  std::lock_guard lock(mu_);
  auto f = families_.find(name);
  if (f != families_.end()) f->second.series.erase(label_text(sorted(labels)));
}

bool MetricsRegistry::matches(const Series& s, const MetricLabels& match) {
  for (const auto& m : match)
    if (std::find(s.labels.begin(), s.labels.end(), m) == s.labels.end()) return false;
  return true;
}

void MetricsRegistry::remove_matching(const std::string& name, const MetricLabels& match) {
  std::lock_guard lock(mu_);
  auto f = families_.find(name);
  if (f == families_.end()) return;
  std::erase_if(f->second.series, [&](const auto& kv) { return matches(kv.second, match); });
}

void MetricsRegistry::set_matching(const std::string& name, const MetricLabels& match,
                                   double value) {
  std::lock_guard lock(mu_);
  auto f = families_.find(name);
  if (f == families_.end()) return;
  for (auto& [k, s] : f->second.series)
    if (matches(s, match)) {
      s.kind = Kind::Plain;
      s.value = value;
    }
}

double MetricsRegistry::current(const Series& s, UnixTime now) const {
  switch (s.kind) {
    case Kind::Until:
      return static_cast<double>(s.at - now);
    case Kind::Since:
      return static_cast<double>(now - s.at);
    case Kind::Plain:
      break;
  }
  return s.value;
}

double MetricsRegistry::value(const std::string& name, const MetricLabels& labels) const {
  UnixTime now = clock_.now();
  std::lock_guard lock(mu_);
  auto f = families_.find(name);
  if (f == families_.end()) return std::numeric_limits<double>::quiet_NaN();
  auto s = f->second.series.find(label_text(sorted(labels)));
  if (s == f->second.series.end()) return std::numeric_limits<double>::quiet_NaN();
  return current(s->second, now);
}

std::string MetricsRegistry::render() const {
  UnixTime now = clock_.now();
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + escape_help(f.help) + "\n";
    out += "# TYPE " + name + (f.type == MetricType::Counter ? " counter\n" : " gauge\n");
    for (const auto& [labels, s] : f.series)
      out += name + labels + " " + format_metric_value(current(s, now)) + "\n";
  }
  return out;
}

}  // namespace ts::agent
