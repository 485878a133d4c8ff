# AAR — every entry point a developer or CI needs. Each target sets up what it needs, idempotently.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: help setup deps demo test test-unit test-node test-trainer lint bench dev-up dev-down status backup restore clean k8s-up k8s-down cli-completion

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

deps: ## Install npm packages, the trainer's Python packages and the pinned Temporal CLI
	@bash scripts/node-deps.sh
	@bash scripts/python-deps.sh
	@bash scripts/temporal.sh install
	@bash scripts/postgres.sh install

setup: deps dev-up ## Install everything and bring the stack up with the schema migrated

dev-up: ## Start PostgreSQL and the Temporal dev server, apply migrations (harmless when already up)
	@bash scripts/dev-up.sh

dev-down: ## Stop every process the stack started (data is kept)
	@bash scripts/dev-down.sh

k8s-up: ## Build (once, cached) and start the local Kubernetes control plane with fake GPU nodes
	@bash scripts/k8s/build.sh
	@bash scripts/k8s/up.sh

k8s-down: ## Stop the local Kubernetes control plane (data is kept)
	@bash scripts/k8s/down.sh

cli-completion: ## Write bash/zsh completion for the aar CLI under .aar-state/ and say how to load it
	@mkdir -p .aar-state
	@node cli/bin.js completion bash >.aar-state/aar-completion.bash
	@node cli/bin.js completion zsh >.aar-state/aar-completion.zsh
	@echo "add to ~/.bashrc: source $(CURDIR)/.aar-state/aar-completion.bash   (zsh: aar-completion.zsh)"

status: ## Show what runs where
	@bash scripts/stack-status.sh

demo: ## Bring the stack up and run a real campaign on it (AGENT=claude: Claude researchers, needs ANTHROPIC_API_KEY)
	@AGENT="$(AGENT)" bash scripts/demo.sh

test: ## Lint, type-check and run every test against the real stack (started and stopped as needed)
	@bash scripts/test.sh

test-unit: ## Run every test that needs no service (no PostgreSQL, Temporal, Kubernetes or browser), without lint
	@bash scripts/test-unit.sh

lint: ## Biome (format + lint), tsc, no import cycles, and a check that emitted JSON Schemas are current
	@bash scripts/node-deps.sh
	biome check .
	tsc --noEmit
	tsc --noEmit -p web/tsconfig.json
	node --import tsx scripts/emit-schemas.ts --check
	node --import tsx scripts/import-cycles.ts

bench: ## Run every benchmark under bench/ (each prints ratios against a baseline measured in the same run)
	@bash scripts/bench.sh

backup: ## Back up both databases, the audit head and the embedded Temporal state (see docs/runbook.md)
	@bash scripts/backup.sh

restore: ## Restore a backup into the stack: make restore BACKUP=.aar-state/backups/<time> [ARGS=--replace]
	@[ -n "$(BACKUP)" ] || { echo "usage: make restore BACKUP=<backup folder> [ARGS=--replace|--check]"; exit 2; }
	@bash scripts/restore.sh $(ARGS) "$(BACKUP)"

clean: dev-down ## Stop the stack and delete its local state (.aar-state)
	rm -rf .aar-state
