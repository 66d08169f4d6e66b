"""Shared pytest set-up. Real agents (snmpd, snmpsim, sshd, redis, postgres) come from tests/agents."""
