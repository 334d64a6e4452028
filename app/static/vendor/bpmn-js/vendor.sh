#!/bin/sh
# Refill the vendored bpmn.io bundles from npm (run only when bumping a version):
#   sh app/static/vendor/bpmn-js/vendor.sh [BPMN_JS_VERSION] [DMN_JS_VERSION]
# It copies the prebuilt UMD bundles, their CSS and fonts (woff2/woff) and the LICENSE into
# app/static/vendor/<package>/<version>/ and writes a SHA256SUMS manifest.  CI and `make run`
# never run it: the files are committed, so no Node and no network are needed at run time.
set -eu
BPMN_JS=${1:-18.31.1}
DMN_JS=${2:-17.10.2}
VENDOR=$(cd "$(dirname "$0")/.." && pwd)
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
cd "$SCRATCH"
npm pack --silent "bpmn-js@$BPMN_JS" "dmn-js@$DMN_JS" >/dev/null
mkdir bpmn dmn
tar xzf "bpmn-js-$BPMN_JS.tgz" -C bpmn
tar xzf "dmn-js-$DMN_JS.tgz" -C dmn

copy() {  # copy SRC_ROOT DEST_ROOT FILE...
  src=$1; dest=$2; shift 2
  for f in "$@"; do mkdir -p "$dest/$(dirname "$f")"; cp "$src/$f" "$dest/$f"; done
}

out="$VENDOR/bpmn-js/$BPMN_JS"
rm -rf "$out"
copy bpmn/package/dist "$out" bpmn-modeler.production.min.js \
  bpmn-navigated-viewer.production.min.js assets/diagram-js.css assets/bpmn-js.css \
  assets/bpmn-font/css/bpmn.css assets/bpmn-font/font/bpmn.woff2 assets/bpmn-font/font/bpmn.woff
cp bpmn/package/LICENSE "$out/LICENSE"

out="$VENDOR/dmn-js/$DMN_JS"
rm -rf "$out"
copy dmn/package/dist "$out" dmn-modeler.production.min.js assets/diagram-js.css \
  assets/dmn-js-shared.css assets/dmn-js-drd.css assets/dmn-js-decision-table.css \
  assets/dmn-js-decision-table-controls.css assets/dmn-js-literal-expression.css \
  assets/dmn-js-boxed-expression.css assets/dmn-js-boxed-expression-controls.css \
  assets/dmn-font/css/dmn.css assets/dmn-font/font/dmn.woff2 assets/dmn-font/font/dmn.woff
cp dmn/package/LICENSE "$out/LICENSE"

for dir in "$VENDOR/bpmn-js/$BPMN_JS" "$VENDOR/dmn-js/$DMN_JS"; do
  (cd "$dir" && find . -type f ! -name SHA256SUMS | sort | xargs sha256sum > SHA256SUMS)
done
echo "vendored bpmn-js $BPMN_JS and dmn-js $DMN_JS"
