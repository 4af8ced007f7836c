# The two commands: `make run` starts the assistant, `make test` runs the whole test suite.
# Both set everything up on a fresh machine (Python 3.10 virtualenv, dependencies, model, index).
.PHONY: run cluster test eval bench lock

run:
	@bash scripts/run.sh

# Several Rasa and action servers behind nginx (CLUSTER_RASA, CLUSTER_ACTIONS); needs REDIS_URL and
# PostgreSQL TRACKER_STORE_URL and DATABASE_URL (README, "Several instances").
cluster:
	@bash scripts/cluster.sh

test:
	@bash scripts/test.sh

# Measurements (not tests): intent F1, retrieval quality, speed.
eval:
	@bash scripts/bootstrap.sh test,bench && .venv/bin/python -m bot.evaluate_nlu && .venv/bin/python -m index eval

# The whole assistant under 1/10/50 concurrent citizens, and retrieval alone (python -m benchmarks --help;
# e.g. make bench BENCH_ARGS=--quick).
bench:
	@bash scripts/bootstrap.sh test,bench && .venv/bin/python -m benchmarks $(BENCH_ARGS)

# Re-resolve and pin every dependency after editing pyproject.toml.
lock:
	@bash scripts/lock.sh
