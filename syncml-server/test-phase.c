/* The session's phase transitions (phase.h), every phase against every
 * combination of the client's Final, our Final and the commit: the table
 * below is the diagram of phase.h, written out. */
#include "config.h"
#include "syncml-server/phase.h"

#include <stdio.h>

#include "tests/lib/test.h"

#define I SRV_PHASE_INIT
#define S SRV_PHASE_SYNC
#define N SRV_PHASE_SEND
#define M SRV_PHASE_MAP
#define D SRV_PHASE_DONE

int main(void)
{
	/* after the commands: [phase][client_final] */
	static const int cmds[5][2] = {
		{I, S}, {S, N}, {N, N}, {M, M}, {D, D},
	};
	/* after the reply: [phase][client_final][reply_final][committed] */
	static const int reply[5][2][2][2] = {
		{{{I, I}, {I, I}}, {{I, I}, {I, I}}},
		{{{S, S}, {S, S}}, {{S, S}, {S, S}}},
		{{{N, N}, {M, M}}, {{N, N}, {M, M}}},
		{{{M, M}, {M, M}}, {{M, D}, {M, D}}},
		{{{D, D}, {D, D}}, {{D, D}, {D, D}}},
	};
	char name[96];

	for (int p = I; p <= D; p++) {
		for (int cf = 0; cf < 2; cf++) {
			snprintf(name, sizeof(name),
				 "%s, commands ran, client final %d",
				 srv_phase_name(p), cf);
			test_begin(name);
			test_assert_int(srv_phase_after_commands(p, cf != 0),
					cmds[p][cf]);
			test_end();
			for (int rf = 0; rf < 2; rf++) {
				for (int cm = 0; cm < 2; cm++) {
					snprintf(name, sizeof(name),
						 "%s, reply built, client "
						 "final %d, ours %d, "
						 "committed %d",
						 srv_phase_name(p), cf, rf, cm);
					test_begin(name);
					test_assert_int(srv_phase_after_reply(
								p, cf != 0,
								rf != 0,
								cm != 0),
							reply[p][cf][rf][cm]);
					test_end();
				}
			}
		}
	}

	test_begin("an unknown phase stays as it is and has no name");
	test_assert_int(srv_phase_after_commands(9, true), 9);
	test_assert_int(srv_phase_after_reply(-1, true, true, true), -1);
	test_assert_str(srv_phase_name(9), "?");
	test_assert_str(srv_phase_name(SRV_PHASE_MAP), "map");
	test_end();
	return test_done();
}
