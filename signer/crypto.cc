// OpenSSL-backed key generation, signing, digests and codecs.
#include "signer/crypto.h"

namespace ts::signer {}  // namespace ts::signer
