/**
 * Fleet-wide slot allocation by demand: every worker of a consumer group publishes what
 * it has waiting and running to a compacted topic, reads everyone's, and computes the
 * same allocation of every host's slots from that shared view.
 */
@NullMarked
package dev.kow.worker.fleet;

import org.jspecify.annotations.NullMarked;
