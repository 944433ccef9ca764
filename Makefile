# Two commands do everything: `make run` and `make test`. Both install what is missing first.
.PHONY: run test setup build clean

run:
	@scripts/run.sh

test:
	@scripts/test.sh

setup:
	@scripts/setup.sh

build: setup
	swift build

clean:
	rm -rf .build
