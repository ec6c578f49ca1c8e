function __parley_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __parley_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __parley_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __parley_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __parley_parse_tokens -S
    set -l unparsed_tokens (__parley_tokens -pc)
    switch $unparsed_tokens[1]
    case 'parley'
        __parley_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'id'
            __parley_parse_subcommand 0 'home=' 'nick=' 'json' 'version' 'h/help'
        case 'chat'
            __parley_parse_subcommand 0 'home=' 'keepalive=' 'peer-timeout=' 'expect=' 'interface=+' 'relay=' 'relay-fingerprint=' 'relay-network=' 'path=' 'direct-timeout=' 'input=' 'input-device=' 'output-device=' 'record=' 'no-noise-suppression' 'no-vad' 'no-echo-cancel' 'bitrate=' 'complexity=' 'frame-ms=' 'fec' 'no-fec' 'loss-percent=' 'dtx' 'downloads=' 'accept-files-from=' 'max-auto-accept=' 'log-dir=' 'config=' 'no-config' 'color=+' 'mouse' 'auto-answer' 'announce-interval=' 'listen=' 'connect=' 'plain' 'bell' 'no-bell' 'highlight=+' 'notify-terminal=' 'notify-send' 'no-notify-send' 'smart-filter' 'no-smart-filter' 'version' 'h/help'
        case 'send'
            __parley_parse_subcommand 1 'home=' 'keepalive=' 'peer-timeout=' 'expect=' 'relay=' 'relay-fingerprint=' 'relay-network=' 'path=' 'direct-timeout=' 'interface=+' 'to=' 'timeout=' 'offline' 'file=+' 'json' 'version' 'h/help'
        case 'call'
            __parley_parse_subcommand 1 'home=' 'keepalive=' 'peer-timeout=' 'expect=' 'interface=+' 'input=' 'input-device=' 'output-device=' 'record=' 'no-noise-suppression' 'no-vad' 'no-echo-cancel' 'bitrate=' 'complexity=' 'frame-ms=' 'fec' 'no-fec' 'loss-percent=' 'dtx' 'listen=' 'auto-answer' 'auto-decline' 'max-calls=' 'duration=' 'ring-timeout=' 'wait=' 'json' 'version' 'h/help'
        case 'peers'
            __parley_parse_subcommand 0 'home=' 'interface=+' 'relay=' 'relay-fingerprint=' 'relay-network=' 'wait=' 'json' 'watch' 'stats' 'rtt' 'path=' 'direct-timeout=' 'timeout=' 'version' 'h/help'
        case 'history'
            __parley_parse_subcommand 1 'home=' 'json' 'search=' 'limit=' 'version' 'h/help'
        case 'audio'
            __parley_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'devices'
                __parley_parse_subcommand 0 'json' 'version' 'h/help'
            end
        case 'relay'
            __parley_parse_subcommand 0 'home=' 'interface=+' 'listen=' 'metrics=' 'network=+' 'announce' 'data=' 'max-clients=' 'max-per-address=' 'log-level=' 'version' 'h/help'
        case 'compare'
            __parley_parse_subcommand 0 'peers=' 'duration=' 'workload=' 'rate=' 'calls=' 'voice-file=' 'out=' 'netns' 'sweep=' 'seed=' 'repeat=' 'cpu-budget=' 'link-mbit=' 'capacity' 'slo-p99=' 'slo-delivered=' 'price-core-hour=' 'price-gb=' 'from=' 'fail-run=+' 'version' 'h/help'
        case 'help'
            __parley_parse_subcommand -r 1 'version'
        end
    end
end

function __parley_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __parley_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __parley_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __parley_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__parley_tokens -p)
    if test -z "$(__parley_tokens -t)"
        set -l index (count (__parley_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'parley' -f
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley" version' -l 'version' -d 'Show the version.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'parley' -n '__parley_should_offer_completions_for_positional "parley" -eq 1' -fa 'id' -d 'Show your identity: nickname, peer ID and fingerprint.'
complete -c 'parley' -n '__parley_should_offer_completions_for_positional "parley" -eq 1' -fa 'chat' -d 'Chat with peers over direct, end-to-end encrypted sessions.'
complete -c 'parley' -n '__parley_should_offer_completions_for_positional "parley" -eq 1' -fa 'send' -d 'Send one message, or files, and wait until the peer has them.'
complete -c 'parley' -n '__parley_should_offer_completions_for_positional "parley" -eq 1' -fa 'call' -d 'Call a peer, or answer calls as an unattended host.'
complete -c 'parley' -n '__parley_should_offer_completions_for_positional "parley" -eq 1' -fa 'peers' -d 'List the parley peers on the local network.'
complete -c 'parley' -n '__parley_should_offer_completions_for_positional "parley" -eq 1' -fa 'history' -d 'Print the stored history of a conversation, or of all of them.'
complete -c 'parley' -n '__parley_should_offer_completions_for_positional "parley" -eq 1' -fa 'audio' -d 'Show the audio devices parley can use for calls.'
complete -c 'parley' -n '__parley_should_offer_completions_for_positional "parley" -eq 1' -fa 'relay' -d 'Run a blind relay that forwards end-to-end encrypted sessions between peers.'
complete -c 'parley' -n '__parley_should_offer_completions_for_positional "parley" -eq 1' -fa 'compare' -d 'Measure peer-to-peer against client/server on this machine, on the same workload.'
complete -c 'parley' -n '__parley_should_offer_completions_for_positional "parley" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley id" home' -l 'home' -d 'Directory holding the identity (default: $PARLEY_HOME, else $XDG_DATA_HOME/parley, else ~/.local/share/parley).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley id" nick' -l 'nick' -d 'Change your nickname (1 to 32 bytes, no spaces).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley id" json' -l 'json' -d 'Print as JSON.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley id" version' -l 'version' -d 'Show the version.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley id" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" home' -l 'home' -d 'Directory holding the identity (default: $PARLEY_HOME, else $XDG_DATA_HOME/parley, else ~/.local/share/parley).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" keepalive' -l 'keepalive' -d 'Seconds between keepalive pings.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" peer-timeout' -l 'peer-timeout' -d 'Seconds of silence after which a peer counts as gone.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" expect' -l 'expect' -d 'Refuse a peer unless it proves this identity (a fingerprint, dashes optional, or a peer ID).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat"' -l 'interface' -d 'Discover only on this network interface (repeatable; default: every interface that is up and multicast-capable).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" relay' -l 'relay' -d 'Reach peers through this relay; lan: a relay announced on the local network (\'parley relay --announce\').' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" relay-fingerprint' -l 'relay-fingerprint' -d 'Refuse the relay unless it proves this identity (a fingerprint or peer ID, as \'parley relay\' prints it); with --relay lan, use only the relay announced with it.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" relay-network' -l 'relay-network' -d 'The network to join on the relay: only its members see and reach each other (default: public).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" path' -l 'path' -d 'auto: direct first, the relay beside it if direct is not up within --direct-timeout; direct: never the relay; relay: always (default: auto).' -rfka 'auto direct relay'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" direct-timeout' -l 'direct-timeout' -d 'With --path auto, seconds the direct path has before the relay path starts beside it.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" input' -l 'input' -d 'Send this audio file (WAV, FLAC, Ogg Opus; resampled as needed) instead of a microphone.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" input-device' -l 'input-device' -d 'Capture from this ALSA device (\'parley audio devices\' lists them).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" output-device' -l 'output-device' -d 'Play the call on this ALSA device.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" record' -l 'record' -d 'Record what you hear to this Ogg Opus file (.wav or .flac: lossless PCM).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" no-noise-suppression' -l 'no-noise-suppression' -d 'Do not suppress background noise on the microphone.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" no-vad' -l 'no-vad' -d 'Do not gate the microphone by voice activity.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" no-echo-cancel' -l 'no-echo-cancel' -d 'No echo cancellation when microphone and speaker are both live.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" bitrate' -l 'bitrate' -d 'Opus bitrate in bit/s (500 to 512000).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" complexity' -l 'complexity' -d 'Encoder complexity, 0 to 10 (higher: better, more CPU).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" frame-ms' -l 'frame-ms' -d 'Frame duration in milliseconds: 2.5, 5, 10, 20, 40 or 60.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" fec' -l 'fec' -d 'In-band forward error correction.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" no-fec' -l 'no-fec' -d 'In-band forward error correction.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" loss-percent' -l 'loss-percent' -d 'The least packet loss the encoder expects, 0 to 100 %; the loss the peer reports raises it, and above 0 turns FEC on.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" dtx' -l 'dtx' -d 'Discontinuous transmission: send almost nothing during silence.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" downloads' -l 'downloads' -d 'Where received files go (default $XDG_DOWNLOAD_DIR/parley, else ~/Downloads/parley).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" accept-files-from' -l 'accept-files-from' -d 'Take file offers without asking: from nobody (ask, the default), peers marked verified (verified), or anyone (any).' -rfka 'ask verified any'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" max-auto-accept' -l 'max-auto-accept' -d 'Largest file taken without asking, in MB.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" log-dir' -l 'log-dir' -d 'Also write every conversation as plain text to a file in this directory, irssi-style (lan.log, NICK-ABCDE.log); the history database stays the record.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" config' -l 'config' -d 'Read settings from this file instead of $XDG_CONFIG_HOME/parley/config.toml (~/.config/parley/config.toml).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" no-config' -l 'no-config' -d 'Read no settings file.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat"' -l 'color' -d 'Full-screen client: draw SLOT (notice, error, separator, unread, delivered, failed, mention, verified, unread-count) in STYLE, such as \'bold yellow\' (repeat for more).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" mouse' -l 'mouse' -d 'Full-screen client: a click on the peers pane shows that window, the wheel scrolls (the terminal\'s own selection then needs Shift).'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" auto-answer' -l 'auto-answer' -d 'Answer every call at once (an unattended host; with --input it plays that file to each caller).'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" announce-interval' -l 'announce-interval' -d 'Seconds between announcements when discovering, with 10 % jitter (default: 10); peers forget you after three.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" listen' -l 'listen' -d 'Accept sessions on this address (\':PORT\' for every IPv4 interface; port 0 picks one).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" connect' -l 'connect' -d 'Open a session to this peer.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" plain' -l 'plain' -d 'Line-oriented output even on a terminal (the default when standard input or output is not one).'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" bell' -l 'bell' -d 'Full-screen client: ring the terminal bell for a new message in a conversation not on screen.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" no-bell' -l 'no-bell' -d 'Full-screen client: ring the terminal bell for a new message in a conversation not on screen.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat"' -l 'highlight' -d 'Full-screen client: a word that marks a message as a mention, like your nickname (repeat for more).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" notify-terminal' -l 'notify-terminal' -d 'Full-screen client: how the terminal notifies a mention or a private message (auto: by the terminal).' -rfka 'auto osc777 osc9 bell off'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" notify-send' -l 'notify-send' -d 'Full-screen client: a desktop notification (notify-send) for a mention or a private message, when a desktop is there.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" no-notify-send' -l 'no-notify-send' -d 'Full-screen client: a desktop notification (notify-send) for a mention or a private message, when a desktop is there.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" smart-filter' -l 'smart-filter' -d 'Full-screen client: fold #lan\'s lines about peers coming, going and moving unless they wrote within 5 minutes.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" no-smart-filter' -l 'no-smart-filter' -d 'Full-screen client: fold #lan\'s lines about peers coming, going and moving unless they wrote within 5 minutes.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" version' -l 'version' -d 'Show the version.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley chat" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley send" home' -l 'home' -d 'Directory holding the identity (default: $PARLEY_HOME, else $XDG_DATA_HOME/parley, else ~/.local/share/parley).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley send" keepalive' -l 'keepalive' -d 'Seconds between keepalive pings.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley send" peer-timeout' -l 'peer-timeout' -d 'Seconds of silence after which a peer counts as gone.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley send" expect' -l 'expect' -d 'Refuse a peer unless it proves this identity (a fingerprint, dashes optional, or a peer ID).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley send" relay' -l 'relay' -d 'Reach peers through this relay; lan: a relay announced on the local network (\'parley relay --announce\').' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley send" relay-fingerprint' -l 'relay-fingerprint' -d 'Refuse the relay unless it proves this identity (a fingerprint or peer ID, as \'parley relay\' prints it); with --relay lan, use only the relay announced with it.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley send" relay-network' -l 'relay-network' -d 'The network to join on the relay: only its members see and reach each other (default: public).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley send" path' -l 'path' -d 'auto: direct first, the relay beside it if direct is not up within --direct-timeout; direct: never the relay; relay: always (default: auto).' -rfka 'auto direct relay'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley send" direct-timeout' -l 'direct-timeout' -d 'With --path auto, seconds the direct path has before the relay path starts beside it.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley send"' -l 'interface' -d 'Discover only on this network interface (repeatable; default: every interface that is up and multicast-capable).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley send" to' -l 'to' -d 'The peer to send to: an address, or with --relay a peer ID, fingerprint or nickname on the relay.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley send" timeout' -l 'timeout' -d 'Seconds to wait for connection, handshake and acknowledgement together.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley send" offline' -l 'offline' -d 'With --relay: if the peer is offline, leave the message sealed for it on the relay (exit 0 once stored).'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley send"' -l 'file' -d 'Send this file or directory\'s files instead of a message (repeat for several; one answer takes all), resumable. Direct sessions only.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley send" json' -l 'json' -d 'With --file: print one JSON object per file instead of progress and a line.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley send" version' -l 'version' -d 'Show the version.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley send" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" home' -l 'home' -d 'Directory holding the identity (default: $PARLEY_HOME, else $XDG_DATA_HOME/parley, else ~/.local/share/parley).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" keepalive' -l 'keepalive' -d 'Seconds between keepalive pings.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" peer-timeout' -l 'peer-timeout' -d 'Seconds of silence after which a peer counts as gone.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" expect' -l 'expect' -d 'Refuse a peer unless it proves this identity (a fingerprint, dashes optional, or a peer ID).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call"' -l 'interface' -d 'Discover only on this network interface (repeatable; default: every interface that is up and multicast-capable).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" input' -l 'input' -d 'Send this audio file (WAV, FLAC, Ogg Opus; resampled as needed) instead of a microphone.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" input-device' -l 'input-device' -d 'Capture from this ALSA device (\'parley audio devices\' lists them).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" output-device' -l 'output-device' -d 'Play the call on this ALSA device.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" record' -l 'record' -d 'Record what you hear to this Ogg Opus file (.wav or .flac: lossless PCM).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" no-noise-suppression' -l 'no-noise-suppression' -d 'Do not suppress background noise on the microphone.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" no-vad' -l 'no-vad' -d 'Do not gate the microphone by voice activity.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" no-echo-cancel' -l 'no-echo-cancel' -d 'No echo cancellation when microphone and speaker are both live.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" bitrate' -l 'bitrate' -d 'Opus bitrate in bit/s (500 to 512000).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" complexity' -l 'complexity' -d 'Encoder complexity, 0 to 10 (higher: better, more CPU).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" frame-ms' -l 'frame-ms' -d 'Frame duration in milliseconds: 2.5, 5, 10, 20, 40 or 60.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" fec' -l 'fec' -d 'In-band forward error correction.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" no-fec' -l 'no-fec' -d 'In-band forward error correction.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" loss-percent' -l 'loss-percent' -d 'The least packet loss the encoder expects, 0 to 100 %; the loss the peer reports raises it, and above 0 turns FEC on.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" dtx' -l 'dtx' -d 'Discontinuous transmission: send almost nothing during silence.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" listen' -l 'listen' -d 'Answer calls on this address instead of calling (\':PORT\' for every IPv4 interface).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" auto-answer' -l 'auto-answer' -d 'With --listen: answer every call.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" auto-decline' -l 'auto-decline' -d 'With --listen: decline every call.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" max-calls' -l 'max-calls' -d 'With --listen: exit after this many answered calls (default: no limit).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" duration' -l 'duration' -d 'Hang up after the call has lasted this long (default: no limit).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" ring-timeout' -l 'ring-timeout' -d 'Seconds a call rings before it counts as unanswered.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" wait' -l 'wait' -d 'Seconds to look for a peer named by nickname or fingerprint on the LAN.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" json' -l 'json' -d 'Print the statistics of each call as one JSON object.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" version' -l 'version' -d 'Show the version.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley call" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley peers" home' -l 'home' -d 'Directory holding the identity (default: $PARLEY_HOME, else $XDG_DATA_HOME/parley, else ~/.local/share/parley).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley peers"' -l 'interface' -d 'Discover only on this network interface (repeatable; default: every interface that is up and multicast-capable).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley peers" relay' -l 'relay' -d 'Reach peers through this relay; lan: a relay announced on the local network (\'parley relay --announce\').' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley peers" relay-fingerprint' -l 'relay-fingerprint' -d 'Refuse the relay unless it proves this identity (a fingerprint or peer ID, as \'parley relay\' prints it); with --relay lan, use only the relay announced with it.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley peers" relay-network' -l 'relay-network' -d 'The network to join on the relay: only its members see and reach each other (default: public).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley peers" wait' -l 'wait' -d 'Seconds to listen before printing.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley peers" json' -l 'json' -d 'Print JSON (with --watch, one JSON object per line).'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley peers" watch' -l 'watch' -d 'Keep running and print every change until interrupted.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley peers" stats' -l 'stats' -d 'Also print the datagrams received and dropped, by reason.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley peers" rtt' -l 'rtt' -d 'Open a session to each peer and print the path it takes and its round trip (the peer sees it).'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley peers" path' -l 'path' -d 'auto: direct first, the relay beside it if direct is not up within --direct-timeout; direct: never the relay; relay: always (default: auto).' -rfka 'auto direct relay'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley peers" direct-timeout' -l 'direct-timeout' -d 'With --path auto, seconds the direct path has before the relay path starts beside it.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley peers" timeout' -l 'timeout' -d 'With --rtt, seconds each peer has to be reached and measured.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley peers" version' -l 'version' -d 'Show the version.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley peers" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley history" home' -l 'home' -d 'Directory holding the identity (default: $PARLEY_HOME, else $XDG_DATA_HOME/parley, else ~/.local/share/parley).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley history" json' -l 'json' -d 'Print a JSON array of messages.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley history" search' -l 'search' -d 'Only messages containing every word of this text.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley history" limit' -l 'limit' -d 'Print at most this many messages, the newest.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley history" version' -l 'version' -d 'Show the version.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley history" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley audio" version' -l 'version' -d 'Show the version.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley audio" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'parley' -n '__parley_should_offer_completions_for_positional "parley audio" -eq 1' -fa 'devices' -d 'List the ALSA playback and capture devices.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley audio devices" json' -l 'json' -d 'Print JSON.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley audio devices" version' -l 'version' -d 'Show the version.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley audio devices" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley relay" home' -l 'home' -d 'Directory holding the identity (default: $PARLEY_HOME, else $XDG_DATA_HOME/parley, else ~/.local/share/parley).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley relay"' -l 'interface' -d 'Discover only on this network interface (repeatable; default: every interface that is up and multicast-capable).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley relay" listen' -l 'listen' -d 'Accept clients on this address.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley relay" metrics' -l 'metrics' -d 'Serve Prometheus metrics over HTTP at /metrics on this address (default: off).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley relay"' -l 'network' -d 'Serve only this network (repeatable; default: any name a client presents, each its own scope). A long random name works as an access token.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley relay" announce' -l 'announce' -d 'Announce the relay on the local network (its identity and port, never its networks): clients use it with --relay lan.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley relay" data' -l 'data' -d 'Keep the offline mailbox (relay-mailbox.sqlite) in this directory (default: the --home directory).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley relay" max-clients' -l 'max-clients' -d 'Clients served at once (lowered, with a warning, to 64 below the descriptor limit).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley relay" max-per-address' -l 'max-per-address' -d 'Connections from one source address at once.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley relay" log-level' -l 'log-level' -d 'trace, debug, info, notice, warning, error or critical (default: info).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley relay" version' -l 'version' -d 'Show the version.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley relay" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley compare" peers' -l 'peers' -d 'Number of peers.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley compare" duration' -l 'duration' -d 'Seconds each workload runs.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley compare" workload' -l 'workload' -d 'text, voice or mixed (default: text).' -rfka 'text voice mixed'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley compare" rate' -l 'rate' -d 'Messages per second each peer sends to the room, and as many to one other peer.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley compare" calls' -l 'calls' -d 'Simultaneous calls of the voice and mixed workloads (default: half the peers, at most 4).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley compare" voice-file' -l 'voice-file' -d 'Speech sample the calls stream, repeated (default: the one shipped with parley).' -rF
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley compare" out' -l 'out' -d 'Directory for results.json, chart.svg and report.md (default: parley-compare).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley compare" netns' -l 'netns' -d 'Run each peer in its own network namespace on a bridge (needs root).'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley compare" sweep' -l 'sweep' -d 'Also run the workload at each of these numbers of peers, for the scaling curves (e.g. 2,4,8).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley compare" seed' -l 'seed' -d 'Seed choosing which peer to kill and which link to cut (default: random, recorded).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley compare" repeat' -l 'repeat' -d 'Runs of every cell; the table shows their median and its confidence interval.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley compare" cpu-budget' -l 'cpu-budget' -d 'Cores each model\'s processes get in total, shared equally among them (cgroup cpu quota; needs root; default with --netns: 1, 0 for none).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley compare" link-mbit' -l 'link-mbit' -d 'Each host\'s upload and download cap in Mbit/s with --netns (tbf; default: 100, 0 for none).' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley compare" capacity' -l 'capacity' -d 'Also search each model\'s capacity: the highest rate whose run meets the service level (--slo-p99, --slo-delivered).'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley compare" slo-p99' -l 'slo-p99' -d 'The service level\'s bound on the ack round trip\'s p99, in milliseconds.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley compare" slo-delivered' -l 'slo-delivered' -d 'The service level\'s share of messages delivered on schedule (acknowledged, sent no more than 10 ms late), in percent.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley compare" price-core-hour' -l 'price-core-hour' -d 'Dollars the cost rows charge for one core for an hour.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley compare" price-gb' -l 'price-gb' -d 'Dollars the cost rows charge for one gigabyte sent.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley compare" from' -l 'from' -d 'Run nothing: read DIR/results.json of an earlier run, recompute the table, verdicts and cost model, and rewrite its files.' -rfa '(__parley_complete_directories)'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley compare"' -l 'fail-run' -d 'Make run K of every cell of MODEL fail on purpose (MODEL#K, e.g. client/server#2; repeatable), to see how a failed run is recorded.' -rfka ''
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley compare" version' -l 'version' -d 'Show the version.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley compare" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'parley' -n '__parley_should_offer_completions_for_flags_or_options "parley help" version' -l 'version' -d 'Show the version.'
