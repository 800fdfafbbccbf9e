# bench/driver.sh, sourced by the bench scripts that run the worker's own
# analysis code (bench/worker.sh, bench/classify.sh):
#   build_driver SRC BUILD OUT [PROGRAM]
# builds the worker objects of SRC into BUILD (mod_momentiq/Makefile) and
# links bench/PROGRAM.c (default worker_driver; classify_features too) with
# them and the worker tests' media helpers into OUT/PROGRAM; prints that
# path. Logs in OUT/make.log and OUT/driver.log; returns 1 on failure.
build_driver() {
    local src=$1 build=$2 out=$3 prog=${4:-worker_driver} here o
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    local tests=$here/../tests
    make -s -f "$src/mod_momentiq/Makefile" OUT="$build" -j"$(nproc)" all >"$out/make.log" 2>&1 ||
        { cat "$out/make.log" >&2; return 1; }
    local wobj=()
    for o in "$build"/worker/*.o "$build"/worker/analyses/*.o; do
        # only objects of sources that still exist (a build directory keeps
        # the objects of files since moved or removed)
        [ -f "$src/$(dirname "${o#"$build"/}")/$(basename "$o" .o).c" ] || continue
        case "$(basename "$o")" in momentiq_worker.o | momentiqctl.o | momentiq_probe.o) ;; *) wobj+=("$o") ;; esac
    done
    # The flags of mod_momentiq/Makefile's WARN and BIN_CFLAGS and its worker link line.
    # shellcheck disable=SC2046
    gcc -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings -Wvla \
        -Wformat-security -Werror=implicit-function-declaration -Werror -O2 -g -std=gnu11 \
        $(pkg-config --cflags apr-1 apr-util-1 jansson openssl libavformat libavcodec libavfilter libswscale libswresample libavutil) \
        -I"$(pg_config --includedir)" -I"$src/mod_momentiq/core" -I"$src/worker" -I"$tests/worker" \
        -o "$out/$prog" "$here/$prog.c" "$tests/worker/wtest_media.c" "$tests/worker/wtest_media_audio.c" \
        "${wobj[@]}" "$build/libmomentiq_core.a" \
        $(pkg-config --libs libavformat libavcodec libavfilter libswscale libswresample libavutil libcurl) \
        -lpq $(pkg-config --libs apr-1 apr-util-1 jansson openssl) -lm 2>"$out/driver.log" ||
        { cat "$out/driver.log" >&2; return 1; }
    echo "$out/$prog"
}
