/* The session's phase transitions (phase.h): two pure functions. */
#include "config.h"

#include "syncml-server/phase.h"

int srv_phase_after_commands(int phase, bool client_final)
{
	if (!client_final)
		return phase;
	switch (phase) {
	case SRV_PHASE_INIT:
		return SRV_PHASE_SYNC;
	case SRV_PHASE_SYNC:
		return SRV_PHASE_SEND;
	default:
		return phase;
	}
}

int srv_phase_after_reply(int phase, bool client_final, bool reply_final,
			  bool committed)
{
	if (phase == SRV_PHASE_SEND && reply_final)
		return SRV_PHASE_MAP;
	if (phase == SRV_PHASE_MAP && client_final && committed)
		return SRV_PHASE_DONE;
	return phase;
}

const char *srv_phase_name(int phase)
{
	static const char *const names[] = {"init", "sync", "send", "map",
					    "done"};

	return phase >= 0 && phase <= SRV_PHASE_DONE ? names[phase] : "?";
}
