#!/bin/sh
# lnwatch alerts --json --exec ./push-ntfy.sh
a=$(cat)
curl -fsS --max-time 8 \
  -H "Title: $(printf '%s' "$a" | jq -r '"lnwatch \(.node): \(.kind) \(.state)"')" \
  -H "Priority: $(printf '%s' "$a" | jq -r 'if .severity == "critical" and .state == "firing" then "urgent" else "default" end')" \
  -d "$(printf '%s' "$a" | jq -r .message)" \
  "${LNWATCH_PUSH_URL:-https://ntfy.sh/${LNWATCH_NTFY_TOPIC:?set LNWATCH_NTFY_TOPIC}}"
