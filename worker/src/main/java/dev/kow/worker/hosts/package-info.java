/**
 * The Ollama hosts: slots, routing, circuit breakers, adaptive limits, warm models,
 * failure rates and slot sharing across the fleet. Host state is changed only here,
 * through {@code HostPool.release}.
 */
@NullMarked
package dev.kow.worker.hosts;

import org.jspecify.annotations.NullMarked;
