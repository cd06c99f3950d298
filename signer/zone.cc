// Zone model: node map maintenance (ENTs, dedup, TTL merge) and node classification.
#include "signer/zone.h"

namespace ts::signer {}  // namespace ts::signer
