# Shared pieces of the benchmarks (sourced; needs tests/harness.sh first).

_bench_sock=tern-bench-$$
at_exit "tmux -L $_bench_sock kill-server 2>/dev/null || true"

# bench_paint_ms TEXT [ARG]...: start tern ARGs in a private tmux at
# 120x40 and print the milliseconds until TEXT is on the screen. With
# BENCH_KEEP=1 the session is left running (bench_stop ends it).
bench_paint_ms()
{
	local text=$1 t0 t1
	shift
	bench_stop
	t0=$(date +%s%N)
	tmux -L "$_bench_sock" -f /dev/null new-session -d -x 120 -y 40 \
	    env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color \
	    HOME="$HOME" XDG_CONFIG_HOME="$XDG_CONFIG_HOME" \
	    XDG_CACHE_HOME="$XDG_CACHE_HOME" "$TERN" "$@"
	while ! tmux -L "$_bench_sock" capture-pane -p 2>/dev/null |
	    grep -qF "$text"; do
		t1=$(date +%s%N)
		if [ $(((t1 - t0) / 1000000)) -gt 60000 ]; then
			echo "timeout" >&2
			tmux -L "$_bench_sock" capture-pane -p >&2 || true
			return 1
		fi
		sleep 0.005
	done
	t1=$(date +%s%N)
	[ "${BENCH_KEEP:-0}" = 1 ] || bench_stop
	echo $(((t1 - t0) / 1000000))
}

# bench_screen: what the running session shows.
bench_screen()
{
	tmux -L "$_bench_sock" capture-pane -p 2>/dev/null
}

# bench_pid: the PID of the program in the running session.
bench_pid()
{
	tmux -L "$_bench_sock" display-message -p '#{pane_pid}' 2>/dev/null
}

bench_stop()
{
	tmux -L "$_bench_sock" send-keys q n 2>/dev/null || true
	sleep 0.2
	tmux -L "$_bench_sock" kill-server 2>/dev/null || true
}

# bench_summary WHAT UNIT: min / median / max of the numbers on stdin.
bench_summary()
{
	sort -n | awk -v what="$1" -v unit="$2" '{ v[NR] = $1 }
	    END { printf "%-28s min %8.0f %s  median %8.0f %s  max %8.0f %s  (%d runs)\n",
	    what, v[1], unit, v[int((NR + 1) / 2)], unit, v[NR], unit, NR }'
}

# bench_time_ms CMD...: run CMD, print its wall time in milliseconds.
bench_time_ms()
{
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
