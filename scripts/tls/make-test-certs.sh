#!/usr/bin/env bash
# Makes throwaway TLS material for tests with openssl (nothing here is ever committed):
#   ca.pem                          the test CA (its key and the CA's files stay in OUTDIR/.ca)
#   server.pem, server.key          signed by ca.pem for 127.0.0.1 and localhost, valid 2 days
#   expired.pem, expired.key        signed by ca.pem, same names, expired in 2020
#   other-ca.pem                    another CA
#   other.pem, other.key            signed by other-ca.pem, same names, valid
#   named.pem, named.key            signed by ca.pem for the name localhost only (no IP address)
# Usage: scripts/tls/make-test-certs.sh OUTDIR
set -euo pipefail

OUT="${1:?usage: $0 OUTDIR}"
mkdir -p "$OUT"
cd "$OUT"

cat >openssl.cnf <<'CNF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ ca_ext ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ leaf_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ named_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ ca ]
default_ca = signing
[ signing ]
dir = .ca
database = $dir/index.txt
new_certs_dir = $dir
serial = $dir/serial
default_md = sha256
policy = any_name
unique_subject = no
[ any_name ]
commonName = supplied
CNF

newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# ca NAME: a self-signed CA NAME.pem, its key in .ca/NAME.key.
ca() {
    mkdir -p .ca
    newkey ".ca/$1.key"
    openssl req -config openssl.cnf -x509 -new -key ".ca/$1.key" -subj "/CN=Lifelong test $1" -days 3 \
        -extensions ca_ext -out "$1.pem"
}

# leaf NAME CA START END [EXTENSIONS]: NAME.pem / NAME.key signed by CA, valid from START to
# END (YYYYMMDDHHMMSSZ), for 127.0.0.1 and localhost (EXTENSIONS leaf_ext, the default) or
# localhost only (named_ext).
leaf() {
    newkey "$1.key"
    openssl req -config openssl.cnf -new -key "$1.key" -subj "/CN=localhost" -out ".ca/$1.csr"
    : >.ca/index.txt
    printf '%s\n' "$(openssl rand -hex 8)" >.ca/serial
    openssl ca -config openssl.cnf -batch -notext -cert "$2.pem" -keyfile ".ca/$2.key" -extensions "${5:-leaf_ext}" \
        -startdate "$3" -enddate "$4" -in ".ca/$1.csr" -out "$1.pem" 2>/dev/null
}

stamp() { date -u -d "$1" +%Y%m%d%H%M%SZ; }
NOW_MINUS_HOUR="$(stamp '1 hour ago')"
IN_TWO_DAYS="$(stamp '2 days')"

ca ca
ca other-ca
leaf server ca "$NOW_MINUS_HOUR" "$IN_TWO_DAYS"
leaf expired ca 20200101000000Z 20200102000000Z
leaf other other-ca "$NOW_MINUS_HOUR" "$IN_TWO_DAYS"
leaf named ca "$NOW_MINUS_HOUR" "$IN_TWO_DAYS" named_ext
rm -f openssl.cnf
