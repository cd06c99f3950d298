// OpenSSL helpers of the signer (see ossl_util.h): error text, algorithm tables, DNSKEY
// public-key encodings.
#include "signer/ossl_util.h"

#include <openssl/core_names.h>
#include <openssl/err.h>

#include <map>

namespace ts::signer::ossl {
namespace {

Bytes bn_bytes(const BIGNUM* bn) {
  Bytes b(static_cast<size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, b.data());
  return b;
}

}  // namespace

const EVP_MD* fetched_md(const char* name) {
  static std::map<std::string, EVP_MD*>* cache = [] {
    auto* m = new std::map<std::string, EVP_MD*>;
    for (const char* n : {"SHA1", "SHA256", "SHA384", "SHA512"})
      (*m)[n] = EVP_MD_fetch(nullptr, n, nullptr);
    return m;
  }();
  auto it = cache->find(name);
  return it == cache->end() ? nullptr : it->second;
}

std::string ossl_error(const char* what) {
  unsigned long e = ERR_get_error();
  std::string msg = what;
  if (e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    msg += ": ";
    msg += buf;
  }
  ERR_clear_error();
  return msg;
}

// ---- algorithm tables ---------------------------------------------------------------

Family family(Algorithm alg) {
  switch (alg) {
    case Algorithm::ECDSAP256SHA256:
    case Algorithm::ECDSAP384SHA384:
      return Family::EC;
    case Algorithm::ED25519:
    case Algorithm::ED448:
      return Family::ED;
    default:
      return Family::RSA;
  }
}

const EVP_MD* signature_md(Algorithm alg) {
  switch (alg) {
    case Algorithm::RSASHA1:
    case Algorithm::NSEC3RSASHA1:
      return fetched_md("SHA1");
    case Algorithm::RSASHA256:
    case Algorithm::ECDSAP256SHA256:
      return fetched_md("SHA256");
    case Algorithm::ECDSAP384SHA384:
      return fetched_md("SHA384");
    case Algorithm::RSASHA512:
      return fetched_md("SHA512");
    default:
      return nullptr;
  }
}

size_t ec_half(Algorithm alg) {
  return alg == Algorithm::ECDSAP384SHA384 ? 48 : 32;
}

unsigned fixed_bits(Algorithm alg) {
  switch (alg) {
    case Algorithm::ECDSAP256SHA256:
    case Algorithm::ED25519:
      return 256;
    case Algorithm::ECDSAP384SHA384:
      return 384;
    case Algorithm::ED448:
      return 456;
    default:
      return 0;
  }
}

const char* ec_group_name(Algorithm alg) {
  return alg == Algorithm::ECDSAP384SHA384 ? "secp384r1" : "prime256v1";
}

/// An EVP_PKEY with only the curve's domain parameters, made once per curve and shared
/// (read-only) by all threads: a key generated from it skips building the curve group from
/// its name, ~40% of a P-256 key generation. Never freed (it lives as long as the process).
EVP_PKEY* ec_params_template(Algorithm alg) {
  auto make = [](const char* group) -> EVP_PKEY* {
    EVP_PKEY* p = nullptr;
    PkeyCtxPtr c(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    if (!c || EVP_PKEY_paramgen_init(c.get()) <= 0 ||
        EVP_PKEY_CTX_set_group_name(c.get(), group) <= 0 || EVP_PKEY_paramgen(c.get(), &p) <= 0) {
      ERR_clear_error();
      return nullptr;
    }
    return p;
  };
  static EVP_PKEY* const p256 = make("prime256v1");
  static EVP_PKEY* const p384 = make("secp384r1");
  return alg == Algorithm::ECDSAP384SHA384 ? p384 : p256;
}

const char* ed_name(Algorithm alg) {
  return alg == Algorithm::ED448 ? "ED448" : "ED25519";
}

// ---- public key encoding ------------------------------------------------------------

Result<Bytes> encode_public_key(Algorithm alg, EVP_PKEY* pkey) {
  switch (family(alg)) {
    case Family::RSA: {
      BIGNUM* n = nullptr;
      BIGNUM* e = nullptr;
      if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) ||
          !EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e)) {
        BN_free(n);
        BN_free(e);
        return fail(ossl_error("cannot read RSA public key"));
      }
      Bytes nb = bn_bytes(n), eb = bn_bytes(e);
      BN_free(n);
      BN_free(e);
      Bytes out;
      if (eb.size() <= 255) {  // RFC 3110 section 2
        out.push_back(static_cast<uint8_t>(eb.size()));
      } else {
        out.push_back(0);
        out.push_back(static_cast<uint8_t>(eb.size() >> 8));
        out.push_back(static_cast<uint8_t>(eb.size()));
      }
      out.insert(out.end(), eb.begin(), eb.end());
      out.insert(out.end(), nb.begin(), nb.end());
      return out;
    }
    case Family::EC: {
      uint8_t buf[1 + 2 * 48];
      size_t len = 0;
      if (!EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf,
                                           sizeof buf, &len))
        return fail(ossl_error("cannot read EC public key"));
      if (len != 1 + 2 * ec_half(alg) || buf[0] != 0x04)
        return fail("EC public key is not an uncompressed point of the right curve");
      return Bytes(buf + 1, buf + len);
    }
    case Family::ED: {
      size_t len = 0;
      if (!EVP_PKEY_get_raw_public_key(pkey, nullptr, &len))
        return fail(ossl_error("cannot read EdDSA public key"));
      Bytes out(len);
      if (!EVP_PKEY_get_raw_public_key(pkey, out.data(), &len))
        return fail(ossl_error("cannot read EdDSA public key"));
      return out;
    }
  }
  return fail("unknown algorithm");
}

Result<PkeyPtr> pkey_fromdata(const char* type, OSSL_PARAM_BLD* bld, int selection) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  if (!params) return fail(ossl_error("cannot build key parameters"));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) <= 0)
    return fail(ossl_error("cannot build key"));
  // OSSL_PARAM_free does not cleanse; private params are cleansed by the caller's bld.
  return PkeyPtr(raw);
}

Result<PkeyPtr> decode_public_key(Algorithm alg, std::span<const uint8_t> pub) {
  switch (family(alg)) {
    case Family::RSA: {
      if (pub.empty()) return fail("empty RSA public key");
      size_t i = 0, elen = pub[i++];
      if (elen == 0) {
        if (pub.size() < 3) return fail("truncated RSA public key");
        elen = (size_t{pub[1]} << 8) | pub[2];
        i = 3;
      }
      if (elen == 0 || i + elen >= pub.size()) return fail("malformed RSA public key");
      BnPtr e(BN_bin2bn(pub.data() + i, static_cast<int>(elen), nullptr));
      BnPtr n(BN_bin2bn(pub.data() + i + elen, static_cast<int>(pub.size() - i - elen), nullptr));
      ParamBldPtr bld(OSSL_PARAM_BLD_new());
      if (!e || !n || !bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) ||
          !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()))
        return fail(ossl_error("cannot build RSA public key"));
      return pkey_fromdata("RSA", bld.get(), EVP_PKEY_PUBLIC_KEY);
    }
    case Family::EC: {
      if (pub.size() != 2 * ec_half(alg)) return fail("EC public key has the wrong length");
      Bytes point{0x04};
      point.insert(point.end(), pub.begin(), pub.end());
      ParamBldPtr bld(OSSL_PARAM_BLD_new());
      if (!bld ||
          !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                           ec_group_name(alg), 0) ||
          !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                            point.size()))
        return fail(ossl_error("cannot build EC public key"));
      return pkey_fromdata("EC", bld.get(), EVP_PKEY_PUBLIC_KEY);
    }
    case Family::ED: {
      int id = alg == Algorithm::ED448 ? EVP_PKEY_ED448 : EVP_PKEY_ED25519;
      EVP_PKEY* raw = EVP_PKEY_new_raw_public_key(id, nullptr, pub.data(), pub.size());
      if (!raw) return fail(ossl_error("malformed EdDSA public key"));
      return PkeyPtr(raw);
    }
  }
  return fail("unknown algorithm");
}

bool pkey_fits(Algorithm alg, EVP_PKEY* pkey) {
  switch (family(alg)) {
    case Family::RSA:
      return EVP_PKEY_is_a(pkey, "RSA");
    case Family::EC: {
      if (!EVP_PKEY_is_a(pkey, "EC")) return false;
      char group[64];
      size_t len = 0;
      if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                          &len))
        return false;
      std::string g(group, len);
      if (alg == Algorithm::ECDSAP256SHA256) return g == "prime256v1" || g == "P-256";
      return g == "secp384r1" || g == "P-384";
    }
    case Family::ED:
      return EVP_PKEY_is_a(pkey, ed_name(alg));
  }
  return false;
}

}  // namespace ts::signer::ossl
