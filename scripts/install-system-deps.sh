#!/usr/bin/env bash
# Installs the Debian packages the harness needs on the host, only those
# missing. The guest's kernel and packages are NOT installed here: the image
# recipe fetches them with `apt-get download` into .cache/.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"  # mosquitto is a daemon: /usr/sbin, outside a user's PATH

# command -> Debian package that provides it
declare -A NEEDED=(
    [qemu-system-x86_64]=qemu-system-x86
    [cpio]=cpio
    [gzip]=gzip
    [dpkg-deb]=dpkg
    [node]=nodejs
    [npm]=npm
    [chromium]=chromium
    [cc]=gcc
    [ip]=iproute2          # the host network stack (harness/drivers/hoststack.py)
    [unshare]=util-linux
    [nsenter]=util-linux
    [tshark]=tshark        # the independent NAS decoder the cellular traces are cross-checked with
    [openssl]=openssl      # SM2 and Ed25519 signatures the identity knowledge is cross-checked with
    [nmap]=nmap            # the port scanner of the AP-SECID suite (run in the host stack)
    [mosquitto]=mosquitto  # the lab's MQTT platform of the AP-DATA suite (run in the host stack)
    [mosquitto_sub]=mosquitto-clients  # its recorder, subscribed to every topic
)

missing=()
for command in "${!NEEDED[@]}"; do
    command -v "$command" >/dev/null 2>&1 || missing+=("${NEEDED[$command]}")
done
# The reference DUT (amd64) has one C program, linked statically: libc.a.
[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || missing+=(libc6-dev)
# The image recipe needs current package lists to find the guest kernel.
lists_stale=0
apt-cache policy linux-image-amd64 2>/dev/null | grep -q 'Candidate: [0-9]' || lists_stale=1

if [ ${#missing[@]} -eq 0 ] && [ $lists_stale -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "missing system packages: ${missing[*]:-none} (package lists stale: $lists_stale)" >&2
    echo "run as root, or: sudo apt-get update && sudo apt-get install --no-install-recommends ${missing[*]:-}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
