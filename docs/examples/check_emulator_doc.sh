#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# docs/emulator.md shows its examples verbatim: each block after "<!-- example: FILE -->" must equal FILE
# (less the file's SPDX license line, which the page leaves out).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
doc=$root/docs/emulator.md
status=0
for file in $(sed -n 's/^<!-- example: \(.*\) -->$/\1/p' "$doc"); do
  shown=$(awk -v marker="<!-- example: $file -->" '
    $0 == marker { found = 1; next }
    found && /^```/ { if (inside) exit; inside = 1; next }
    inside { print }' "$doc")
  if [ "$shown" != "$(grep -v 'SPDX-License-Identifier' "$root/$file")" ]; then
    echo "docs/emulator.md: the block for $file differs from the file"
    status=1
  fi
done
exit $status
