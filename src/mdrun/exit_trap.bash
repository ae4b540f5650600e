# mdrun's EXIT trap hands a sync block's exports and directory to the next block. A block that
# sets an EXIT trap of its own (`trap 'rm -f "$tmp"' EXIT`) must not replace it: in the block's
# own shell (the one whose $BASHPID is __mdrun_shell), `trap` keeps the block's EXIT action
# aside, and mdrun's trap runs it once the state is saved. Subshells get bash's own `trap`.
__mdrun_exit_action=
trap() {
    if [ "$BASHPID" != "${__mdrun_shell-}" ]; then
        builtin trap "$@"
        return
    fi
    local action sig rest=()
    case ${1-} in
        -p) shift; __mdrun_print_traps "$@"; return ;;
        -l) builtin trap "$@"; return ;;
        --) shift ;;
    esac
    (($#)) || { __mdrun_print_traps; return; }
    if (($# == 1)); then action=-; else action=$1; shift; fi
    for sig in "$@"; do
        case ${sig^^} in
            EXIT | SIGEXIT | 0) [ "$action" = - ] && __mdrun_exit_action= || __mdrun_exit_action=$action ;;
            *) rest+=("$sig") ;;
        esac
    done
    ((${#rest[@]} == 0)) || builtin trap -- "$action" "${rest[@]}"
}
# `trap -p [SIG...]` as bash prints it, showing the block's EXIT action rather than mdrun's.
__mdrun_print_traps() {
    local sig q="'\\''"
    for sig in "${@:-EXIT}"; do
        case ${sig^^} in EXIT | SIGEXIT | 0) ;; *) builtin trap -p "$sig"; continue ;; esac
        [ -z "$__mdrun_exit_action" ] || printf "trap -- '%s' EXIT\n" "${__mdrun_exit_action//\'/$q}"
    done
    (($#)) && return
    local line all
    all=$(builtin trap -p)
    while IFS= read -r line; do
        [[ -z $line || $line == *" EXIT" ]] || printf '%s\n' "$line"
    done <<<"$all"
}
# Called by mdrun's EXIT trap after it saved the state: the block's own EXIT action, seeing $?
# as the block left it. `exit N` in it sets the block's exit status, as in plain bash.
__mdrun_run_exit_action() {
    local __mdrun_action=$__mdrun_exit_action
    __mdrun_exit_action=
    [ -n "$__mdrun_action" ] || return 0
    # Both branches are the same: `if` keeps errexit from ending the shell on the status itself.
    if __mdrun_status "$1"; then eval "$__mdrun_action"; else eval "$__mdrun_action"; fi
}
__mdrun_status() { return "$1"; }
