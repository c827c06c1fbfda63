# bash completion for tcpreq (installed as share/bash-completion/completions/tcpreq).
# Option names come from the program's own --help, test names from --list-tests, so the
# completion never lags behind the binary it completes for. Needs nothing of the
# bash-completion package beyond its loading this file.

# _tcpreq_options CMD [SUBCOMMAND]: the long and short options --help lists.
_tcpreq_options() {
  "$@" --help 2>/dev/null | grep -oE '(^|[ ,])--?[A-Za-z][A-Za-z-]*' | tr -d ' ,' | sort -u
}

_tcpreq_files() { # _tcpreq_files GLOB_EXTENSIONS_REGEX
  local IFS=$'\n'
  compopt -o filenames 2>/dev/null
  COMPREPLY=($(compgen -f -- "$cur" | grep -E "(/|\\.($1))\$"))
  COMPREPLY+=($(compgen -d -- "$cur"))
}

_tcpreq() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local cmd=${COMP_WORDS[0]} sub=
  COMPREPLY=()
  if ((COMP_CWORD > 1)) && [[ ${COMP_WORDS[1]} == analyze || ${COMP_WORDS[1]} == summary ]]; then
    sub=${COMP_WORDS[1]}
  fi
  case $sub in
  analyze)
    case $prev in
    -Y | --select) return ;;
    esac
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W "$(_tcpreq_options "$cmd" analyze)" -- "$cur"))
    else
      _tcpreq_files 'pcap|pcapng|cap'
    fi
    return
    ;;
  summary)
    case $prev in
    --reasons) return ;;
    --svg) _tcpreq_files svg; return ;;
    esac
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W "$(_tcpreq_options "$cmd" summary)" -- "$cur"))
    else
      _tcpreq_files 'jsonl|json'
    fi
    return
    ;;
  esac

  # -T takes one or more names: still inside its list while every word since is a name
  local i=$COMP_CWORD in_tests=0
  while ((--i > 0)); do
    case ${COMP_WORDS[i]} in
    -T | --test) in_tests=1; break ;;
    -*) break ;;
    [A-Za-z!*]*) ;;
    *) break ;;
    esac
  done
  case $prev in
  -B | --bind)
    COMPREPLY=($(compgen -W "$(ip -o address show 2>/dev/null | awk '{ sub(/\/.*/, "", $4); print $4 }')" -- "$cur"))
    return
    ;;
  -i | --interface)
    COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur"))
    return
    ;;
  -u | --user) COMPREPLY=($(compgen -u -- "$cur")); return ;;
  --firewall) COMPREPLY=($(compgen -W "nft iptables none" -- "$cur")); return ;;
  --timing) COMPREPLY=($(compgen -W "adaptive original" -- "$cur")); return ;;
  -o | --output | --resume) _tcpreq_files 'jsonl|json|csv|txt'; return ;;
  --json) _tcpreq_files 'jsonl|json'; return ;;
  --zmap) _tcpreq_files 'csv'; return ;;
  --nmap) _tcpreq_files 'xml'; return ;;
  --pcap) _tcpreq_files 'pcapng|pcap'; return ;;
  -b | --blocklist | --blacklist) _tcpreq_files 'txt|conf|list'; return ;;
  -r | --rate | --shard | --inflight | --wait-floor | --wait-ceil | --rtt-mult) return ;;
  esac
  if ((in_tests)) && [[ $cur != -* ]]; then
    local names
    names=$("$cmd" --list-tests 2>/dev/null | awk 'NR > 1 { print $1 }')
    if [[ $cur == '!'* ]]; then
      COMPREPLY=($(compgen -P '!' -W "$names" -- "${cur#!}"))
    else
      COMPREPLY=($(compgen -W "$names *" -- "$cur"))
    fi
    return
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(_tcpreq_options "$cmd")" -- "$cur"))
  elif [[ $cur == @* ]]; then
    local IFS=$'\n'
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -P @ -f -- "${cur#@}"))
  elif ((COMP_CWORD == 1)); then
    COMPREPLY=($(compgen -W "analyze summary" -- "$cur"))
  fi
}
complete -F _tcpreq tcpreq
