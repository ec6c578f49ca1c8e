/// Bounds on what one session holds for an owner that has not yet taken it
/// (`PeerConnection.events`), each with its reason. docs/PROTOCOL.md §"Limits" lists the same
/// numbers; `InboundEventQueueTests` checks each at the limit and one past it.
public enum InboundLimits {
    /// Events waiting for the owner at which the session stops reading from its connection:
    /// what the peer sends next waits in the kernel's buffers, and TCP's window slows the peer,
    /// instead of the process's memory growing with the backlog. 64 full-size texts are 512 KiB
    /// per session; an owner that handles events as they come never lets this many pile up.
    public static let highWatermark = 64

    /// Events waiting at or below which reading resumes: low enough that a pause is not undone
    /// after one event, high enough that the owner never waits for the socket.
    public static let lowWatermark = 16

    /// Voice frames waiting for the owner, held apart from the texts and handed over before them:
    /// 25 frames of 20 ms are half a second of speech. Past this the oldest is dropped (and
    /// counted): late voice is worth nothing, and the jitter buffer covers a missing frame.
    public static let maxQueuedVoiceFrames = 25
}
