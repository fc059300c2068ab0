package dev.kow.worker.fleet;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The fleet as this worker last read it: each member's latest state and when it arrived
 * here (this worker's monotonic clock, so the other workers' clocks do not matter). A
 * member whose state is older than the stale limit (it died or stalled) is left out, and
 * so loses its slots. Thread-safe.
 */
final class FleetView {

	private record Seen(MemberState state, long receivedNanos) {
	}

	private final Map<String, Seen> members = new ConcurrentHashMap<>();

	/**
	 * @param state a member's state, newer than what was seen before
	 * @param nowNanos when it arrived, ns
	 */
	void put(MemberState state, long nowNanos) {
		this.members.put(state.member(), new Seen(state, nowNanos));
	}

	/**
	 * @param member a member that left (its tombstone arrived)
	 */
	void remove(String member) {
		this.members.remove(member);
	}

	/**
	 * @param nowNanos now, ns
	 * @param staleAfterNanos how old a state may be, ns
	 * @return the members whose state is fresh, stale ones dropped
	 */
	List<MemberState> live(long nowNanos, long staleAfterNanos) {
		this.members.values().removeIf(seen -> nowNanos - seen.receivedNanos() > staleAfterNanos);
		return this.members.values().stream().map(Seen::state).toList();
	}

}
