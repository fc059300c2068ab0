package dev.kow.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * What one simulated host was asked, for test assertions: one entry per HTTP request on
 * an inference endpoint, added when its answer ends. Also tracks the peak number of
 * inference requests in progress at once. Thread-safe.
 */
public final class RequestLog {

	/**
	 * One answered request. Times are wall-clock epoch ms, so they compare with the
	 * producer's {@code created_at}.
	 *
	 * @param path the endpoint, for example {@code /api/generate}
	 * @param model the model requested
	 * @param status HTTP status sent
	 * @param fault the injected fault, {@link Fault#NONE} for none
	 * @param promptTokens prompt tokens counted
	 * @param evalTokens tokens generated
	 * @param tag the first word of the prompt (generate) or of the last message (chat),
	 * which benchmarks use to carry a request id; "" when none
	 * @param arrivedAtMs when the request arrived
	 * @param grantedAtMs when it got a slot (GPU work started), 0 when it never did
	 * @param finishedAtMs when the answer ended
	 * @param firstChunkAtMs when the first streamed token chunk was sent, 0 when none was
	 * @param lastChunkAtMs when the last token chunk was sent, 0 when none was
	 * @param chunks token chunks sent (the final {@code done} chunk not counted)
	 * @param completed whether the whole answer was sent (the final chunk, or the whole
	 * JSON body)
	 * @param clientGone whether the client closed the connection before the answer ended,
	 * while the host was up (a client-side timeout or cancellation; not a host going
	 * down)
	 */
	public record Entry(String path, String model, int status, Fault fault, int promptTokens, int evalTokens,
			String tag, long arrivedAtMs, long grantedAtMs, long finishedAtMs, long firstChunkAtMs, long lastChunkAtMs,
			int chunks, boolean completed, boolean clientGone) {

		/**
		 * @return GPU time of the request (slot grant to end), ms, 0 when it never got a
		 * slot
		 */
		public long serviceMs() {
			return this.grantedAtMs == 0 ? 0 : this.finishedAtMs - this.grantedAtMs;
		}
	}

	private final List<Entry> entries = new ArrayList<>();

	private final List<String> traceparents = new ArrayList<>();

	private int inFlight;

	private int peakInFlight;

	synchronized void started() {
		this.inFlight++;
		this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
	}

	synchronized void finished(Entry entry) {
		this.inFlight--;
		this.entries.add(entry);
	}

	/**
	 * @return requests finished so far (the number of entries)
	 */
	public synchronized int finished() {
		return this.entries.size();
	}

	/**
	 * @return a copy of the entries, oldest first
	 */
	public synchronized List<Entry> entries() {
		return List.copyOf(this.entries);
	}

	/**
	 * @return inference requests in progress now
	 */
	public synchronized int inFlight() {
		return this.inFlight;
	}

	/**
	 * The most requests that overlapped on the host, each counted from its arrival to its
	 * last token (or to its end when it streamed none). A client that waits for an
	 * answer's last line before sending the next request on a slot never overlaps two
	 * requests on it, whereas {@link #peakInFlight()} also counts the moment the host is
	 * still writing the final chunk.
	 * @return the peak overlap
	 */
	public synchronized int peakOverlap() {
		int current = 0;
		int peak = 0;
		for (long[] event : overlapEvents()) {
			current += (int) event[1];
			peak = Math.max(peak, current);
		}
		return peak;
	}

	/**
	 * How long more than {@code limit} requests were in progress at once, counted as
	 * {@link #peakOverlap()} counts them (arrival to last token).
	 * @param limit the number of requests the host should have at most, usually its slots
	 * @return ms with more than {@code limit} requests in progress
	 */
	public synchronized long msAbove(int limit) {
		int current = 0;
		long since = 0;
		long total = 0;
		for (long[] event : overlapEvents()) {
			int next = current + (int) event[1];
			if (current <= limit && next > limit) {
				since = event[0];
			}
			else if (current > limit && next <= limit) {
				total += event[0] - since;
			}
			current = next;
		}
		return total;
	}

	/**
	 * Arrivals (+1) and last tokens (-1) in time order; at the same ms an end comes
	 * first.
	 */
	private List<long[]> overlapEvents() {
		List<long[]> events = new ArrayList<>();
		for (Entry entry : this.entries) {
			long end = entry.lastChunkAtMs() > 0 ? entry.lastChunkAtMs() : entry.finishedAtMs();
			events.add(new long[] { entry.arrivedAtMs(), 1 });
			events.add(new long[] { end, -1 });
		}
		// ms resolution cannot order an end and an arrival in the same millisecond
		events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
		return events;
	}

	synchronized void traceparent(String header) {
		this.traceparents.add(header);
	}

	/**
	 * Ollama ignores W3C trace context; the simulator records it so tests can follow a
	 * trace into the host.
	 * @return the {@code traceparent} headers of the inference requests received, in
	 * order of arrival
	 */
	public synchronized List<String> traceparents() {
		return List.copyOf(this.traceparents);
	}

	/**
	 * @return the most inference requests ever in progress at once
	 */
	public synchronized int peakInFlight() {
		return this.peakInFlight;
	}

}
