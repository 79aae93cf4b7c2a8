// Events as an AsyncSequence: `for await event in engine.events() { ... }`.
import Foundation

extension Engine {
    /// Every event this engine's calls return from now on, as an
    /// `AsyncStream`: the stream subscribes a listener (`subscribe`) at once
    /// and cancels it when the stream ends (the consuming task was
    /// cancelled, or the loop stopped iterating).
    ///
    /// Events arrive in the order the calls delivered them; none is dropped
    /// with the default `.unbounded` policy (a slow consumer costs memory,
    /// not events). Events of calls made before the stream was created are
    /// not replayed. No `@unchecked Sendable` listener is needed in the app.
    ///
    /// ```swift
    /// Task {
    ///     for await event in engine.events() {
    ///         if case let .offerTriggered(_, instanceId, _, _, _, _, title, _) = event {
    ///             notifier.show(instanceId, title)
    ///         }
    ///     }
    /// }
    /// ```
    public func events(
        bufferingPolicy: AsyncStream<KairosEvent>.Continuation.BufferingPolicy = .unbounded
    ) -> AsyncStream<KairosEvent> {
        AsyncStream(bufferingPolicy: bufferingPolicy) { continuation in
            let subscription = self.subscribe(listener: StreamListener(continuation))
            continuation.onTermination = { _ in subscription.cancel() }
        }
    }
}

/// Yields each delivered event into a stream. Its only state is the
/// continuation, which is `Sendable`.
private final class StreamListener: EventListener, Sendable {
    let continuation: AsyncStream<KairosEvent>.Continuation

    init(_ continuation: AsyncStream<KairosEvent>.Continuation) {
        self.continuation = continuation
    }

    func onEvents(events: [KairosEvent]) {
        for event in events {
            continuation.yield(event)
        }
    }
}
