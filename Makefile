# Two commands do everything: `make run` and `make test`. Both install what is missing first.
.PHONY: run test setup build install clean

run:
	@scripts/run.sh

test:
	@scripts/test.sh

setup:
	@scripts/setup.sh

build: setup
	swift build

# make install PREFIX=/opt/epcis-gateway (default /usr/local)
install:
	@PREFIX="$(PREFIX)" scripts/install.sh

clean:
	rm -rf .build
