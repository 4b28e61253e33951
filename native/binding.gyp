# ztkube_tap: Linux TAP I/O in batches (spec 06 §8). ztkube_crypto: the packet ciphers
# (Salsa20/12, Poly1305, AES-GMAC-SIV on node's own OpenSSL EVP, armor/dearmor, batches). Built by `make` with node-gyp against
# the running node's own headers (--nodedir), so nothing is downloaded. Plain N-API
# (node_api.h); no node-addon-api.
{
  "targets": [
    {
      "target_name": "ztkube_tap",
      "sources": ["src/binding.cc", "src/errno_name.cc", "src/tap_device.cc", "src/tap_io.cc", "src/tap_offload.cc"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "defines": ["_GNU_SOURCE"],
      "conditions": [
        ["OS != 'linux'", { "type": "none", "sources": [] }]
      ]
    },
    {
      "target_name": "ztkube_crypto",
      "sources": ["src/crypto_binding.cc", "src/errno_name.cc", "src/zt_crypto.cc"],
      "cflags_cc": ["-std=c++17", "-O3", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "defines": ["_GNU_SOURCE"],
      "conditions": [
        ["OS != 'linux'", { "type": "none", "sources": [] }]
      ]
    },
    {
      "target_name": "ztkube_udp",
      "sources": ["src/udp_socket.cc", "src/errno_name.cc"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "defines": ["_GNU_SOURCE"],
      "conditions": [
        ["OS != 'linux'", { "type": "none", "sources": [] }]
      ]
    }
  ]
}
