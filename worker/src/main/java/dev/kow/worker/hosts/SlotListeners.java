package dev.kow.worker.hosts;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import reactor.core.scheduler.Scheduler;

/**
 * Who is told that a slot may have become free (the scheduler), now or when a
 * degraded-host hold ends. At most one end-of-hold notice is pending at a time: an
 * earlier one covers a later one. Thread-safe; listeners run on the caller's thread or
 * the timer's.
 */
final class SlotListeners {

	private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

	private final Scheduler timer;

	/**
	 * Nano-clock time of the pending end-of-hold notice, or {@link Long#MAX_VALUE} for
	 * none.
	 */
	private final AtomicLong wakeAt = new AtomicLong(Long.MAX_VALUE);

	/**
	 * @param timer runs the end-of-hold notices
	 */
	SlotListeners(Scheduler timer) {
		this.timer = timer;
	}

	/**
	 * @param listener called after a slot may have become free
	 */
	void add(Runnable listener) {
		this.listeners.add(listener);
	}

	/** Tells every listener now. */
	void tellAll() {
		this.listeners.forEach(Runnable::run);
	}

	/**
	 * Tells every listener in {@code delayNanos}, unless a notice as early is pending.
	 * @param delayNanos the delay, ns
	 * @param now nano-clock time
	 */
	void notifyAfter(long delayNanos, long now) {
		long at = now + delayNanos;
		long pending = this.wakeAt.get();
		if ((pending > now && pending <= at) || !this.wakeAt.compareAndSet(pending, at)) {
			return;
		}
		this.timer.schedule(() -> {
			this.wakeAt.compareAndSet(at, Long.MAX_VALUE);
			tellAll();
		}, delayNanos, TimeUnit.NANOSECONDS);
	}

}
