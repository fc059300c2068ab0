package dev.kow.worker.fleet;

import java.util.Map;
import java.util.Set;

import dev.kow.worker.job.Lane;

/**
 * What one worker tells the fleet, every refresh: its demand and what it holds.
 *
 * @param member the worker's id ({@code worker.intake.worker-id}), the record's key on
 * the fleet-state topic
 * @param publishedAtMs when it was published, epoch ms of the publisher's clock
 * @param waiting jobs waiting for a slot, per lane
 * @param running attempts in flight, per host id and lane
 * @param waitingSinceMs when its longest-waiting job entered its lane, epoch ms of the
 * publisher's clock; 0 when none waits. A point in time, not an age, so that every worker
 * ranks the members alike however old its copy of a state is
 * @param waitingModels the models its waiting jobs ask for (normalised names); empty when
 * none waits, or from a worker that does not say (any host will do)
 * @param shares per host id, the slots it allows itself now: its claim, which it lowers
 * as soon as it reads that another worker needs the slot and raises only into slots
 * nobody else runs or claims; empty from a worker that does not say
 */
public record MemberState(String member, long publishedAtMs, Map<Lane, Integer> waiting,
		Map<String, Map<Lane, Integer>> running, long waitingSinceMs, Set<String> waitingModels,
		Map<String, Integer> shares) {

	/** Copies the maps; a missing {@code waitingModels} or {@code shares} is empty. */
	public MemberState {
		waiting = Map.copyOf(waiting);
		running = Map.copyOf(running);
		waitingModels = (waitingModels == null) ? Set.of() : Set.copyOf(waitingModels);
		shares = (shares == null) ? Map.of() : Map.copyOf(shares);
	}

	/**
	 * @param lane a lane
	 * @return jobs of the lane waiting
	 */
	public int waiting(Lane lane) {
		return this.waiting.getOrDefault(lane, 0);
	}

	/**
	 * @param lane a lane
	 * @return attempts of the lane running, on every host
	 */
	public int running(Lane lane) {
		return this.running.values().stream().mapToInt(byLane -> byLane.getOrDefault(lane, 0)).sum();
	}

	/**
	 * @param host a host id
	 * @return attempts running on the host, every lane
	 */
	public int runningOn(String host) {
		return this.running.getOrDefault(host, Map.of()).values().stream().mapToInt(Integer::intValue).sum();
	}

	/**
	 * @param lane a lane
	 * @return what the worker could use in the lane: running plus waiting
	 */
	int want(Lane lane) {
		return running(lane) + waiting(lane);
	}

	/**
	 * @return what the worker could use in every lane
	 */
	int want() {
		int want = 0;
		for (Lane lane : Lane.values()) {
			want += want(lane);
		}
		return want;
	}

}
