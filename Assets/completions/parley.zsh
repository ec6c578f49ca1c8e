#compdef parley

__parley_complete() {
    local -ar non_empty_completions=("${@:#(|:*)}")
    local -ar empty_completions=("${(M)@:#(|:*)}")
    _describe -V '' non_empty_completions -- empty_completions -P $'\'\''
}

__parley_custom_complete() {
    local -a completions
    completions=("${(@f)"$("${command_name}" "${@}" "${command_line[@]}")"}")
    if [[ "${#completions[@]}" -gt 1 ]]; then
        __parley_complete "${completions[@]:0:-1}"
    fi
}

__parley_cursor_index_in_current_word() {
    if [[ -z "${QIPREFIX}${IPREFIX}${PREFIX}" ]]; then
        printf 0
    else
        printf %s "${#${(z)LBUFFER}[-1]}"
    fi
}

_parley() {
    emulate -RL zsh -G
    setopt extendedglob nullglob numericglobsort
    unsetopt aliases banghist

    local -xr SAP_SHELL=zsh
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(builtin emulate zsh -c 'printf %s "${ZSH_VERSION}"')"
    local -r SAP_SHELL_VERSION

    local context state state_descr line
    local -A opt_args

    local -r command_name="${words[1]}"
    local -ar command_line=("${words[@]}")
    local -ir current_word_index="$((CURRENT - 1))"

    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'id:Show your identity: nickname, peer ID and fingerprint.'
            'chat:Chat with peers over direct, end-to-end encrypted sessions.'
            'send:Send one message, or files, and wait until the peer has them.'
            'call:Call a peer, or answer calls as an unattended host.'
            'peers:List the parley peers on the local network.'
            'history:Print the stored history of a conversation, or of all of them.'
            'audio:Show the audio devices parley can use for calls.'
            'relay:Run a blind relay that forwards end-to-end encrypted sessions between peers.'
            'compare:Measure peer-to-peer against client/server on this machine, on the same workload.'
            'help:Show subcommand help information.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        id|chat|send|call|peers|history|audio|relay|compare|help)
            "_parley_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_parley_id() {
    local -i ret=1
    local -ar arg_specs=(
        '--home[Directory holding the identity (default\: $PARLEY_HOME, else $XDG_DATA_HOME/parley, else ~/.local/share/parley).]:dir:'
        '--nick[Change your nickname (1 to 32 bytes, no spaces).]:name:'
        '--json[Print as JSON.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_parley_chat() {
    local -i ret=1
    local -ar ___path=('auto' 'direct' 'relay')
    local -ar ___accept_files_from=('ask' 'verified' 'any')
    local -ar ___notify_terminal=('auto' 'osc777' 'osc9' 'bell' 'off')
    local -ar arg_specs=(
        '--home[Directory holding the identity (default\: $PARLEY_HOME, else $XDG_DATA_HOME/parley, else ~/.local/share/parley).]:dir:'
        '--keepalive[Seconds between keepalive pings.]:seconds:'
        '--peer-timeout[Seconds of silence after which a peer counts as gone.]:seconds:'
        '--expect[Refuse a peer unless it proves this identity (a fingerprint, dashes optional, or a peer ID).]:fingerprint:'
        '*--interface[Discover only on this network interface (repeatable; default\: every interface that is up and multicast-capable).]:name:'
        '--relay[Reach peers through this relay; lan\: a relay announced on the local network ('\''parley relay --announce'\'').]:host\:port|lan:'
        '--relay-fingerprint[Refuse the relay unless it proves this identity (a fingerprint or peer ID, as '\''parley relay'\'' prints it); with --relay lan, use only the relay announced with it.]:fingerprint:'
        '--relay-network[The network to join on the relay\: only its members see and reach each other (default\: public).]:name:'
        '--path[auto\: direct first, the relay beside it if direct is not up within --direct-timeout; direct\: never the relay; relay\: always (default\: auto).]:auto|direct|relay:{__parley_complete "${___path[@]}"}'
        '--direct-timeout[With --path auto, seconds the direct path has before the relay path starts beside it.]:seconds:'
        '--input[Send this audio file (WAV, FLAC, Ogg Opus; resampled as needed) instead of a microphone.]:file:'
        '--input-device[Capture from this ALSA device ('\''parley audio devices'\'' lists them).]:name:'
        '--output-device[Play the call on this ALSA device.]:name:'
        '--record[Record what you hear to this Ogg Opus file (.wav or .flac\: lossless PCM).]:file:'
        '--no-noise-suppression[Do not suppress background noise on the microphone.]'
        '--no-vad[Do not gate the microphone by voice activity.]'
        '--no-echo-cancel[No echo cancellation when microphone and speaker are both live.]'
        '--bitrate[Opus bitrate in bit/s (500 to 512000).]:bps:'
        '--complexity[Encoder complexity, 0 to 10 (higher\: better, more CPU).]:n:'
        '--frame-ms[Frame duration in milliseconds\: 2.5, 5, 10, 20, 40 or 60.]:ms:'
        '--fec[In-band forward error correction.]'
        '--no-fec[In-band forward error correction.]'
        '--loss-percent[The least packet loss the encoder expects, 0 to 100 %; the loss the peer reports raises it, and above 0 turns FEC on.]:percent:'
        '--dtx[Discontinuous transmission\: send almost nothing during silence.]'
        '--downloads[Where received files go (default $XDG_DOWNLOAD_DIR/parley, else ~/Downloads/parley).]:dir:'
        '--accept-files-from[Take file offers without asking\: from nobody (ask, the default), peers marked verified (verified), or anyone (any).]:ask|verified|any:{__parley_complete "${___accept_files_from[@]}"}'
        '--max-auto-accept[Largest file taken without asking, in MB.]:MB:'
        '--log-dir[Also write every conversation as plain text to a file in this directory, irssi-style (lan.log, NICK-ABCDE.log); the history database stays the record.]:dir:'
        '--config[Read settings from this file instead of $XDG_CONFIG_HOME/parley/config.toml (~/.config/parley/config.toml).]:file:'
        '--no-config[Read no settings file.]'
        '*--color[Full-screen client\: draw SLOT (notice, error, separator, unread, delivered, failed, mention, verified, unread-count) in STYLE, such as '\''bold yellow'\'' (repeat for more).]:slot=style:'
        '--mouse[Full-screen client\: a click on the peers pane shows that window, the wheel scrolls (the terminal'\''s own selection then needs Shift).]'
        '--auto-answer[Answer every call at once (an unattended host; with --input it plays that file to each caller).]'
        '--announce-interval[Seconds between announcements when discovering, with 10 % jitter (default\: 10); peers forget you after three.]:seconds:'
        '--listen[Accept sessions on this address ('\''\:PORT'\'' for every IPv4 interface; port 0 picks one).]:\[addr\]\:port:'
        '--connect[Open a session to this peer.]:host\:port:'
        '--plain[Line-oriented output even on a terminal (the default when standard input or output is not one).]'
        '--bell[Full-screen client\: ring the terminal bell for a new message in a conversation not on screen.]'
        '--no-bell[Full-screen client\: ring the terminal bell for a new message in a conversation not on screen.]'
        '*--highlight[Full-screen client\: a word that marks a message as a mention, like your nickname (repeat for more).]:word:'
        '--notify-terminal[Full-screen client\: how the terminal notifies a mention or a private message (auto\: by the terminal).]:mode:{__parley_complete "${___notify_terminal[@]}"}'
        '--notify-send[Full-screen client\: a desktop notification (notify-send) for a mention or a private message, when a desktop is there.]'
        '--no-notify-send[Full-screen client\: a desktop notification (notify-send) for a mention or a private message, when a desktop is there.]'
        '--smart-filter[Full-screen client\: fold #lan'\''s lines about peers coming, going and moving unless they wrote within 5 minutes.]'
        '--no-smart-filter[Full-screen client\: fold #lan'\''s lines about peers coming, going and moving unless they wrote within 5 minutes.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_parley_send() {
    local -i ret=1
    local -ar ___path=('auto' 'direct' 'relay')
    local -ar arg_specs=(
        '--home[Directory holding the identity (default\: $PARLEY_HOME, else $XDG_DATA_HOME/parley, else ~/.local/share/parley).]:dir:'
        '--keepalive[Seconds between keepalive pings.]:seconds:'
        '--peer-timeout[Seconds of silence after which a peer counts as gone.]:seconds:'
        '--expect[Refuse a peer unless it proves this identity (a fingerprint, dashes optional, or a peer ID).]:fingerprint:'
        '--relay[Reach peers through this relay; lan\: a relay announced on the local network ('\''parley relay --announce'\'').]:host\:port|lan:'
        '--relay-fingerprint[Refuse the relay unless it proves this identity (a fingerprint or peer ID, as '\''parley relay'\'' prints it); with --relay lan, use only the relay announced with it.]:fingerprint:'
        '--relay-network[The network to join on the relay\: only its members see and reach each other (default\: public).]:name:'
        '--path[auto\: direct first, the relay beside it if direct is not up within --direct-timeout; direct\: never the relay; relay\: always (default\: auto).]:auto|direct|relay:{__parley_complete "${___path[@]}"}'
        '--direct-timeout[With --path auto, seconds the direct path has before the relay path starts beside it.]:seconds:'
        '*--interface[Discover only on this network interface (repeatable; default\: every interface that is up and multicast-capable).]:name:'
        '--to[The peer to send to\: an address, or with --relay a peer ID, fingerprint or nickname on the relay.]:host\:port|peer:'
        '--timeout[Seconds to wait for connection, handshake and acknowledgement together.]:seconds:'
        '--offline[With --relay\: if the peer is offline, leave the message sealed for it on the relay (exit 0 once stored).]'
        '*--file[Send this file or directory'\''s files instead of a message (repeat for several; one answer takes all), resumable. Direct sessions only.]:path:'
        '--json[With --file\: print one JSON object per file instead of progress and a line.]'
        ':text:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_parley_call() {
    local -i ret=1
    local -ar arg_specs=(
        '--home[Directory holding the identity (default\: $PARLEY_HOME, else $XDG_DATA_HOME/parley, else ~/.local/share/parley).]:dir:'
        '--keepalive[Seconds between keepalive pings.]:seconds:'
        '--peer-timeout[Seconds of silence after which a peer counts as gone.]:seconds:'
        '--expect[Refuse a peer unless it proves this identity (a fingerprint, dashes optional, or a peer ID).]:fingerprint:'
        '*--interface[Discover only on this network interface (repeatable; default\: every interface that is up and multicast-capable).]:name:'
        '--input[Send this audio file (WAV, FLAC, Ogg Opus; resampled as needed) instead of a microphone.]:file:'
        '--input-device[Capture from this ALSA device ('\''parley audio devices'\'' lists them).]:name:'
        '--output-device[Play the call on this ALSA device.]:name:'
        '--record[Record what you hear to this Ogg Opus file (.wav or .flac\: lossless PCM).]:file:'
        '--no-noise-suppression[Do not suppress background noise on the microphone.]'
        '--no-vad[Do not gate the microphone by voice activity.]'
        '--no-echo-cancel[No echo cancellation when microphone and speaker are both live.]'
        '--bitrate[Opus bitrate in bit/s (500 to 512000).]:bps:'
        '--complexity[Encoder complexity, 0 to 10 (higher\: better, more CPU).]:n:'
        '--frame-ms[Frame duration in milliseconds\: 2.5, 5, 10, 20, 40 or 60.]:ms:'
        '--fec[In-band forward error correction.]'
        '--no-fec[In-band forward error correction.]'
        '--loss-percent[The least packet loss the encoder expects, 0 to 100 %; the loss the peer reports raises it, and above 0 turns FEC on.]:percent:'
        '--dtx[Discontinuous transmission\: send almost nothing during silence.]'
        ':peer:'
        '--listen[Answer calls on this address instead of calling ('\''\:PORT'\'' for every IPv4 interface).]:\[addr\]\:port:'
        '--auto-answer[With --listen\: answer every call.]'
        '--auto-decline[With --listen\: decline every call.]'
        '--max-calls[With --listen\: exit after this many answered calls (default\: no limit).]:n:'
        '--duration[Hang up after the call has lasted this long (default\: no limit).]:seconds:'
        '--ring-timeout[Seconds a call rings before it counts as unanswered.]:seconds:'
        '--wait[Seconds to look for a peer named by nickname or fingerprint on the LAN.]:seconds:'
        '--json[Print the statistics of each call as one JSON object.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_parley_peers() {
    local -i ret=1
    local -ar ___path=('auto' 'direct' 'relay')
    local -ar arg_specs=(
        '--home[Directory holding the identity (default\: $PARLEY_HOME, else $XDG_DATA_HOME/parley, else ~/.local/share/parley).]:dir:'
        '*--interface[Discover only on this network interface (repeatable; default\: every interface that is up and multicast-capable).]:name:'
        '--relay[Reach peers through this relay; lan\: a relay announced on the local network ('\''parley relay --announce'\'').]:host\:port|lan:'
        '--relay-fingerprint[Refuse the relay unless it proves this identity (a fingerprint or peer ID, as '\''parley relay'\'' prints it); with --relay lan, use only the relay announced with it.]:fingerprint:'
        '--relay-network[The network to join on the relay\: only its members see and reach each other (default\: public).]:name:'
        '--wait[Seconds to listen before printing.]:seconds:'
        '--json[Print JSON (with --watch, one JSON object per line).]'
        '--watch[Keep running and print every change until interrupted.]'
        '--stats[Also print the datagrams received and dropped, by reason.]'
        '--rtt[Open a session to each peer and print the path it takes and its round trip (the peer sees it).]'
        '--path[auto\: direct first, the relay beside it if direct is not up within --direct-timeout; direct\: never the relay; relay\: always (default\: auto).]:auto|direct|relay:{__parley_complete "${___path[@]}"}'
        '--direct-timeout[With --path auto, seconds the direct path has before the relay path starts beside it.]:seconds:'
        '--timeout[With --rtt, seconds each peer has to be reached and measured.]:seconds:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_parley_history() {
    local -i ret=1
    local -ar arg_specs=(
        '--home[Directory holding the identity (default\: $PARLEY_HOME, else $XDG_DATA_HOME/parley, else ~/.local/share/parley).]:dir:'
        ':peer:'
        '--json[Print a JSON array of messages.]'
        '--search[Only messages containing every word of this text.]:text:'
        '--limit[Print at most this many messages, the newest.]:n:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_parley_audio() {
    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'devices:List the ALSA playback and capture devices.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        devices)
            "_parley_audio_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_parley_audio_devices() {
    local -i ret=1
    local -ar arg_specs=(
        '--json[Print JSON.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_parley_relay() {
    local -i ret=1
    local -ar arg_specs=(
        '--home[Directory holding the identity (default\: $PARLEY_HOME, else $XDG_DATA_HOME/parley, else ~/.local/share/parley).]:dir:'
        '*--interface[Discover only on this network interface (repeatable; default\: every interface that is up and multicast-capable).]:name:'
        '--listen[Accept clients on this address.]:\[addr\]\:port:'
        '--metrics[Serve Prometheus metrics over HTTP at /metrics on this address (default\: off).]:\[addr\]\:port:'
        '*--network[Serve only this network (repeatable; default\: any name a client presents, each its own scope). A long random name works as an access token.]:name:'
        '--announce[Announce the relay on the local network (its identity and port, never its networks)\: clients use it with --relay lan.]'
        '--data[Keep the offline mailbox (relay-mailbox.sqlite) in this directory (default\: the --home directory).]:dir:'
        '--max-clients[Clients served at once (lowered, with a warning, to 64 below the descriptor limit).]:count:'
        '--max-per-address[Connections from one source address at once.]:count:'
        '--log-level[trace, debug, info, notice, warning, error or critical (default\: info).]:level:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_parley_compare() {
    local -i ret=1
    local -ar ___workload=('text' 'voice' 'mixed')
    local -ar arg_specs=(
        '--peers[Number of peers.]:n:'
        '--duration[Seconds each workload runs.]:seconds:'
        '--workload[text, voice or mixed (default\: text).]:workload:{__parley_complete "${___workload[@]}"}'
        '--rate[Messages per second each peer sends to the room, and as many to one other peer.]:rate:'
        '--calls[Simultaneous calls of the voice and mixed workloads (default\: half the peers, at most 4).]:k:'
        '--voice-file[Speech sample the calls stream, repeated (default\: the one shipped with parley).]:file:_files'
        '--out[Directory for results.json, chart.svg and report.md (default\: parley-compare).]:dir:'
        '--netns[Run each peer in its own network namespace on a bridge (needs root).]'
        '--sweep[Also run the workload at each of these numbers of peers, for the scaling curves (e.g. 2,4,8).]:list:'
        '--seed[Seed choosing which peer to kill and which link to cut (default\: random, recorded).]:seed:'
        '--repeat[Runs of every cell; the table shows their median and its confidence interval.]:n:'
        '--cpu-budget[Cores each model'\''s processes get in total, shared equally among them (cgroup cpu quota; needs root; default with --netns\: 1, 0 for none).]:cores:'
        '--link-mbit[Each host'\''s upload and download cap in Mbit/s with --netns (tbf; default\: 100, 0 for none).]:mbit:'
        '--capacity[Also search each model'\''s capacity\: the highest rate whose run meets the service level (--slo-p99, --slo-delivered).]'
        '--slo-p99[The service level'\''s bound on the ack round trip'\''s p99, in milliseconds.]:ms:'
        '--slo-delivered[The service level'\''s share of messages delivered on schedule (acknowledged, sent no more than 10 ms late), in percent.]:percent:'
        '--price-core-hour[Dollars the cost rows charge for one core for an hour.]:usd:'
        '--price-gb[Dollars the cost rows charge for one gigabyte sent.]:usd:'
        '--from[Run nothing\: read DIR/results.json of an earlier run, recompute the table, verdicts and cost model, and rewrite its files.]:dir:_files -/'
        '*--fail-run[Make run K of every cell of MODEL fail on purpose (MODEL#K, e.g. client/server#2; repeatable), to see how a failed run is recorded.]:model#k:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_parley_help() {
    local -i ret=1
    local -ar arg_specs=(
        '*:subcommands:'
        '--version[Show the version.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

if [[ "${funcstack[1]}" = _parley ]]; then
    _parley "${@}"
else
    compdef _parley parley
fi
