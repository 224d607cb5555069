import socket,time,subprocess,sys
P=sys.argv[1]
ss=[]
for i in range(80):
    try: s=socket.create_connection(('127.0.0.1',4630),timeout=2); ss.append(s)
    except Exception as e: print('conn fail',i,e); break
time.sleep(1)
def cpu(): 
    f=open(f'/proc/{P}/stat').read().split(); return int(f[13])+int(f[14])
c0=cpu(); time.sleep(2); print('cpu ticks in 2s while EMFILE:',cpu()-c0)
for s in ss: s.close()
time.sleep(1)
try:
    s=socket.create_connection(('127.0.0.1',4630),timeout=3); s.sendall(b'GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n'); print('after:',s.recv(100)[:20])
except Exception as e: print('after fail',e)
