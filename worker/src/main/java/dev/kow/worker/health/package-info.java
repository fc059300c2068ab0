/**
 * Actuator health indicators: intake liveness, Kafka heartbeats and the GPU hosts'
 * breakers.
 */
@NullMarked
package dev.kow.worker.health;

import org.jspecify.annotations.NullMarked;
