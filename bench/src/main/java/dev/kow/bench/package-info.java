/**
 * End-to-end benchmarks: a real in-JVM Kafka broker, simulated Ollama hosts and a system
 * under test (our worker, or a peer built from a well-known library with the same slots),
 * run side by side in one process. Every figure is measured at the simulated GPU hosts
 * from their request logs (arrival, slot grant, finish), so all systems are measured the
 * same way.
 */
package dev.kow.bench;
