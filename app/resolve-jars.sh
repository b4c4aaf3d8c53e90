#!/bin/sh
# Resolves Maven coordinates (group:artifact:version, comma-separated in $1) and their
# runtime dependencies with Apache Ivy, the resolver Spark itself uses for --packages (its
# jar ships in every Spark distribution), and copies the jars into Spark's jars directory
# ($2). Ivy verifies each download against the repository's SHA-1/MD5 checksums; a
# mismatch fails the build. Jars Spark already carries are not copied twice. Runs at
# image build time: nothing is downloaded when a job runs.
set -eu

coordinates=$1
jars_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ivy_jar=$(ls "$jars_dir"/ivy-*.jar 2> /dev/null | head -n 1)
if [ -z "$ivy_jar" ]; then
    echo "resolve-jars: no ivy-*.jar in $jars_dir: is this a Spark image?" >&2
    exit 2
fi
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"

{
    echo '<ivy-module version="2.0">'
    echo '  <info organisation="pyspark-k8s" module="job-image-jars"/>'
    echo '  <dependencies>'
    echo "$coordinates" | tr ',' '\n' | while IFS=: read -r group artifact version; do
        [ -n "$group" ] || continue
        echo "    <dependency org=\"$group\" name=\"$artifact\" rev=\"$version\" conf=\"default->default(runtime)\"/>"
    done
    echo '  </dependencies>'
    echo '</ivy-module>'
} > "$work/ivy.xml"

# Extra CA certificates (BUILD_CA_CERTS, PEM), e.g. a TLS-inspecting proxy's: a private
# trust store of the JRE's own CAs plus those, for this download only.
trust=""
if [ -n "${BUILD_CA_CERTS:-}" ]; then
    keytool="${JAVA_HOME:+$JAVA_HOME/bin/}keytool"
    store="$work/truststore.p12"
    jre_cacerts="${JAVA_HOME:-/nonexistent}/lib/security/cacerts"
    if [ -s "$jre_cacerts" ]; then
        "$keytool" -J-XX:-UsePerfData -importkeystore -srckeystore "$jre_cacerts" -srcstorepass changeit \
            -destkeystore "$store" -deststoretype PKCS12 -deststorepass changeit -noprompt > /dev/null 2>&1
    fi
    printf '%s\n' "$BUILD_CA_CERTS" | awk -v dir="$work" '
        /-----BEGIN CERTIFICATE-----/ { n++; file = dir "/extra-ca-" n ".pem" }
        file { print > file }
        /-----END CERTIFICATE-----/ { close(file); file = "" }'
    for pem in "$work"/extra-ca-*.pem; do
        [ -e "$pem" ] || continue
        "$keytool" -J-XX:-UsePerfData -importcert -noprompt -alias "$(basename "$pem" .pem)" -file "$pem" \
            -keystore "$store" -storetype PKCS12 -storepass changeit > /dev/null
    done
    trust="-Djavax.net.ssl.trustStore=$store -Djavax.net.ssl.trustStorePassword=changeit -Djavax.net.ssl.trustStoreType=PKCS12"
fi

# shellcheck disable=SC2086 # $trust is a list of JVM options
"$java" -XX:-UsePerfData $trust -Divy.checksums=sha1,md5 -cp "$ivy_jar" org.apache.ivy.Main \
    -ivy "$work/ivy.xml" -cache "$work/cache" -confs default \
    -retrieve "$work/jars/[artifact]-[revision](-[classifier]).[ext]" >&2

echo "resolve-jars: resolved $coordinates:" >&2
for jar in "$work"/jars/*.jar; do
    name=$(basename "$jar")
    if [ -e "$jars_dir/$name" ]; then
        echo "  $name: already in Spark" >&2
        continue
    fi
    cp "$jar" "$jars_dir/$name"
    echo "  $name sha256:$(sha256sum "$jar" | cut -d' ' -f1)" >&2
done
