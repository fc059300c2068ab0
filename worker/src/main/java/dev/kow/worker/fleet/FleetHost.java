package dev.kow.worker.fleet;

import java.util.Set;

/**
 * A host as the fleet's allocation sees it.
 *
 * @param id the host id ({@code worker.ollama.hosts[N].id})
 * @param slots its slots for the whole fleet ({@code worker.ollama.hosts[N].slots})
 * @param models the models it serves (normalised names); empty means any
 */
public record FleetHost(String id, int slots, Set<String> models) {

	/** Copies the models. */
	public FleetHost {
		models = Set.copyOf(models);
	}

	/**
	 * @param member a member's state
	 * @return whether the host can serve one of the member's waiting jobs: it serves any
	 * model, or the member did not say which it waits for, or one of them is the host's
	 */
	boolean servesAnyOf(MemberState member) {
		return this.models.isEmpty() || member.waitingModels().isEmpty()
				|| member.waitingModels().stream().anyMatch(this.models::contains);
	}

}
