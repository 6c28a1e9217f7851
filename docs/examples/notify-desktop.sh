#!/bin/sh
# lnwatch alerts --json --exec ./notify-desktop.sh
a=$(cat)
urgency=normal
[ "$(printf '%s' "$a" | jq -r .severity)" = critical ] && urgency=critical
notify-send -u "$urgency" -a lnwatch \
  "$(printf '%s' "$a" | jq -r '"\(.node): \(.kind) \(.state)"')" \
  "$(printf '%s' "$a" | jq -r .message)"
